package cloud.agora.support.problem;

import java.util.Map;
import java.util.UUID;

/** An idempotency key sent again with another request than the one it answered first; nothing was changed. */
public class IdempotencyKeyReusedException extends ProblemException {

    /**
     * @param made what the key's first request made ({@code bid}, {@code deployment}): named in the detail, and
     *             {@code <made>Id} is the member carrying {@code id}
     */
    public IdempotencyKeyReusedException(String key, String made, UUID id) {
        super(422, "idempotency-key-reused", "The idempotency key was used for another request",
                "Idempotency-Key " + key + " already made " + made + " " + id + " with another request; a retry must send"
                        + " the same request, a new one needs a new key. Nothing was changed",
                Map.of("idempotencyKey", key, made + "Id", id));
    }
}
