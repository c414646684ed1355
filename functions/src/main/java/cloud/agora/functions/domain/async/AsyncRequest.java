package cloud.agora.functions.domain.async;

import java.util.Map;
import java.util.UUID;

/** An async call's request as it was queued, as the queue consumer runs it. */
public record AsyncRequest(UUID id, String function, String method, String path, String query,
        Map<String, String> headers, byte[] body, AsyncInvocation.Status status, int attempts) {
}
