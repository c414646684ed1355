package cloud.agora.storage.domain.pin;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A pin request or query that breaks the Pinning Service API's rules. */
public class InvalidPinRequestException extends ProblemException {

    public InvalidPinRequestException(String detail) {
        super(400, "invalid-pin-request", "The pin request is invalid", detail, Map.of());
    }
}
