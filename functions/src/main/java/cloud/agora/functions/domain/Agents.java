package cloud.agora.functions.domain;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The provider agents' invocation API ({@code POST /api/v1/invocations}), as the gateway uses it. */
public interface Agents {

    /** One call as the agent takes it. */
    record AgentCall(UUID invocationId, UUID leaseId, String runtime, String bundle, List<String> command, String method,
            String path, String query, Map<String, String> headers, byte[] body, long timeoutMillis) {
    }

    /** The agent's answer: outcome ({@code OK}, {@code FUNCTION_ERROR}, {@code TIMEOUT}, {@code OUT_OF_MEMORY}), exit code, output. */
    record AgentReply(String status, int exitCode, byte[] body) {
    }

    /** The agent could not be reached, so the call certainly did not start: another replica may take it. */
    class UnreachableException extends RuntimeException {
        public UnreachableException(String message) {
            super(message);
        }
    }

    /**
     * Runs the call on the agent at {@code endpoint}.
     *
     * @throws UnreachableException when no connection was made (safe to retry elsewhere)
     * @throws InvocationFailedException when the agent was reached but gave no usable answer
     *         (never retried: the function may have started)
     */
    AgentReply invoke(String endpoint, AgentCall call, Duration timeout);
}
