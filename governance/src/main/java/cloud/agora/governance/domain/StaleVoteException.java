package cloud.agora.governance.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/**
 * A vote whose nonce is not above the nonce of the voter's counted vote: an older (or the same) signed vote
 * re-posted. Nothing was stored; the counted vote stands.
 */
public class StaleVoteException extends ProblemException {

    public StaleVoteException(String detail, Map<String, ?> ids) {
        super(409, "stale-vote", "The vote is older than the counted one", detail, ids);
    }
}
