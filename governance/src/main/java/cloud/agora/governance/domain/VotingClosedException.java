package cloud.agora.governance.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A vote before the snapshot block has passed or after the end block; nothing was stored. */
public class VotingClosedException extends ProblemException {

    public VotingClosedException(String detail, Map<String, ?> ids) {
        super(409, "voting-not-open", "Voting is not open", detail, ids);
    }

    public VotingClosedException(String detail) {
        this(detail, Map.of());
    }
}
