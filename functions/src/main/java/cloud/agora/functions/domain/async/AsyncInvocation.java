package cloud.agora.functions.domain.async;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An async invocation as its submitter sees it.
 *
 * @param status QUEUED, RUNNING, SUCCEEDED, FAILED (the function failed, or the call may have
 *               started and is not repeated), DEAD_LETTERED (platform failures outlasted the retries)
 * @param result the function's answer once SUCCEEDED: {@code status}, {@code body} (base64), {@code provider}
 * @param error  the problem (type, title, detail, ids) once FAILED or DEAD_LETTERED
 */
public record AsyncInvocation(UUID id, String function, Status status, int attempts, Map<String, Object> result,
        Map<String, Object> error, Instant createdAt, Instant updatedAt) {

    /** The states of an async invocation. */
    public enum Status {
        QUEUED, RUNNING, SUCCEEDED, FAILED, DEAD_LETTERED
    }
}
