package cloud.agora.support.problem;

import java.util.Map;

/** An {@code Idempotency-Key} header that is not a key (protocol's {@code IdempotencyKeys}); nothing was changed. */
public class InvalidIdempotencyKeyException extends ProblemException {

    public InvalidIdempotencyKeyException(String detail) {
        super(400, "invalid-idempotency-key", "The idempotency key is invalid", detail + "; nothing was changed", Map.of());
    }
}
