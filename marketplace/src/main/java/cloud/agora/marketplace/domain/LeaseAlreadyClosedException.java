package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** Closing a lease that is already closed. */
public class LeaseAlreadyClosedException extends ProblemException {

    public LeaseAlreadyClosedException(java.util.UUID id) {
        super(409, "lease-already-closed", "The lease is already closed", "lease " + id + " is already closed", Map.of("leaseId", id));
    }
}
