package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** No lease with this id. */
public class LeaseNotFoundException extends ProblemException {

    public LeaseNotFoundException(java.util.UUID id) {
        super(404, "lease-not-found", "Lease not found", "no lease " + id, Map.of("leaseId", id));
    }
}
