package cloud.agora.billing.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The signed-in caller may not see or do this (bills are their developer's and provider's only). */
public class AccessDeniedException extends ProblemException {

    public AccessDeniedException(Address caller, String detail) {
        super(403, "access-denied", "Not yours", detail, Map.of("caller", caller.checksummed()));
    }
}
