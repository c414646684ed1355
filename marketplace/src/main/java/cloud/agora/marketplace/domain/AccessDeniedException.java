package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The caller may not see or change this object: it belongs to someone else. */
public class AccessDeniedException extends ProblemException {

    public AccessDeniedException(String what, Object id, cloud.agora.protocol.eth.Address caller) {
        super(403, "forbidden", "Not yours", what + " " + id + " does not belong to " + caller, Map.of("id", String.valueOf(id), "caller", caller.checksummed()));
    }

    /** The caller may not act for another account. */
    public AccessDeniedException(cloud.agora.protocol.eth.Address caller, String detail) {
        super(403, "forbidden", "Not yours", detail, Map.of("caller", caller.checksummed()));
    }
}
