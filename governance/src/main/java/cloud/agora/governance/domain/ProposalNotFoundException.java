package cloud.agora.governance.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** No proposal has this id. */
public class ProposalNotFoundException extends ProblemException {

    public ProposalNotFoundException(String detail, Map<String, ?> ids) {
        super(404, "proposal-not-found", "No such proposal", detail, ids);
    }

    public ProposalNotFoundException(String detail) {
        this(detail, Map.of());
    }
}
