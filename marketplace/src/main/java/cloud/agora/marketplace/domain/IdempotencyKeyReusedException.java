package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;
import java.util.UUID;

/** An idempotency key sent again with another bid than the one it placed; nothing was placed or changed. */
public class IdempotencyKeyReusedException extends ProblemException {

    public IdempotencyKeyReusedException(String key, UUID bidId) {
        super(422, "idempotency-key-reused", "The idempotency key was used for another bid",
                "Idempotency-Key " + key + " already placed bid " + bidId + " with another request; a retry must send"
                        + " the same bid, a new bid needs a new key. Nothing was placed",
                Map.of("idempotencyKey", key, "bidId", bidId));
    }
}
