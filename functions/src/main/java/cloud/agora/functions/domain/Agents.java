package cloud.agora.functions.domain;

import cloud.agora.protocol.usage.UsageReceipt;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/** The provider agents' invocation API ({@code POST /api/v1/invocations}), as the gateway uses it. */
public interface Agents {

    /**
     * One call as the agent takes it.
     *
     * @param bundle the version's bundle CID (the agent fetches and verifies it)
     * @param env    the function's environment, secrets already opened (names never {@code AGORA_*})
     */
    record AgentCall(UUID invocationId, UUID leaseId, String runtime, String bundle, List<String> command, String method,
            String path, String query, Map<String, String> headers, byte[] body, long timeoutMillis, Map<String, String> env) {

        /** The same call on lease {@code lease}. */
        public AgentCall onLease(UUID lease) {
            return new AgentCall(invocationId, lease, runtime, bundle, command, method, path, query, headers, body,
                    timeoutMillis, env);
        }
    }

    /**
     * The agent's answer: outcome ({@code OK}, {@code FUNCTION_ERROR}, {@code TIMEOUT},
     * {@code OUT_OF_MEMORY}), exit code, output, the tail of the function's stderr (empty when
     * the agent sends none) and the provider-signed receipt, read only when asked for (the recorder
     * does, off the request path): null when absent or unreadable.
     */
    record AgentReply(String status, int exitCode, byte[] body, String stderr, boolean stderrTruncated,
            java.util.function.Supplier<UsageReceipt> receipt) {
    }

    /** The agent could not be reached, so the call certainly did not start: another replica may take it. */
    class UnreachableException extends RuntimeException {
        public UnreachableException(String message) {
            super(message);
        }
    }

    /**
     * Runs the call on the agent at {@code endpoint}, without blocking the calling thread. The stage
     * fails with {@link UnreachableException} when no connection was made (safe to retry elsewhere),
     * with {@link InvocationFailedException} when the agent was reached but gave no usable answer
     * (never retried: the function may have started).
     */
    CompletionStage<AgentReply> invoke(String endpoint, AgentCall call, Duration timeout);

    /** Whether the agent at {@code endpoint} answers {@code GET /q/health} with 200 within {@code timeout}. */
    boolean healthy(String endpoint, Duration timeout);
}
