package cloud.agora.governance.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The proposer's current voting power is below governance.proposal-threshold; nothing was stored. */
public class BelowProposalThresholdException extends ProblemException {

    public BelowProposalThresholdException(String detail, Map<String, ?> ids) {
        super(403, "below-proposal-threshold", "Not enough voting power to propose", detail, ids);
    }

    public BelowProposalThresholdException(String detail) {
        this(detail, Map.of());
    }
}
