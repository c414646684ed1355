package cloud.agora.governance.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A proposal that breaks the rules (unknown parameter, malformed or out-of-bounds value); nothing was stored. */
public class InvalidProposalException extends ProblemException {

    public InvalidProposalException(String detail, Map<String, ?> ids) {
        super(400, "invalid-proposal", "The proposal is invalid", detail, ids);
    }

    public InvalidProposalException(String detail) {
        this(detail, Map.of());
    }
}
