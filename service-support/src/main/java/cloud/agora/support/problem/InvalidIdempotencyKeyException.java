package cloud.agora.support.problem;

import cloud.agora.protocol.market.IdempotencyKeys;
import java.util.Map;

/** An {@code Idempotency-Key} header that is not a key (protocol's {@code IdempotencyKeys}); nothing was changed. */
public class InvalidIdempotencyKeyException extends ProblemException {

    public InvalidIdempotencyKeyException(String detail) {
        super(400, "invalid-idempotency-key", "The idempotency key is invalid", detail + "; nothing was changed", Map.of());
    }

    /** The key an {@code Idempotency-Key} header names, or null without one; a malformed one is this problem. */
    public static String keyOf(String header) {
        try {
            return IdempotencyKeys.parse(header);
        } catch (IllegalArgumentException e) {
            throw new InvalidIdempotencyKeyException(e.getMessage());
        }
    }
}
