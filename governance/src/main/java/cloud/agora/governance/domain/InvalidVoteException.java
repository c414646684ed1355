package cloud.agora.governance.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A vote whose fields or signature are malformed, or whose signature was not made by the claimed voter over this vote in this proposal's domain; nothing was stored. */
public class InvalidVoteException extends ProblemException {

    public InvalidVoteException(String detail, Map<String, ?> ids) {
        super(400, "invalid-vote", "The vote is invalid", detail, ids);
    }

    public InvalidVoteException(String detail) {
        this(detail, Map.of());
    }
}
