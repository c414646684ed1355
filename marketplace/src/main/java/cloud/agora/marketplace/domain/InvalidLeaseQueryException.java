package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A lease listing with contradictory filters. */
public class InvalidLeaseQueryException extends ProblemException {

    public InvalidLeaseQueryException(String detail) {
        super(400, "invalid-lease-query", "The lease query is invalid", detail, Map.of());
    }
}
