package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** An {@code Idempotency-Key} header that is not a key; nothing was placed. */
public class InvalidIdempotencyKeyException extends ProblemException {

    public InvalidIdempotencyKeyException(String detail) {
        super(400, "invalid-idempotency-key", "The idempotency key is invalid", detail + "; nothing was placed", Map.of());
    }
}
