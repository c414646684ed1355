package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A lease close request that breaks a rule; nothing changed. */
public class InvalidLeaseCloseException extends ProblemException {

    public InvalidLeaseCloseException(String detail) {
        super(400, "invalid-lease-close", "The close request is invalid", detail, Map.of());
    }
}
