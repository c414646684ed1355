package cloud.agora.governance.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The recovered voter had no votes at the snapshot block (or the signature was made over another domain, chain or message and recovers an unrelated address); nothing was stored. */
public class NoVotingPowerException extends ProblemException {

    public NoVotingPowerException(String detail, Map<String, ?> ids) {
        super(403, "no-voting-power", "No voting power at the snapshot", detail, ids);
    }

    public NoVotingPowerException(String detail) {
        this(detail, Map.of());
    }
}
