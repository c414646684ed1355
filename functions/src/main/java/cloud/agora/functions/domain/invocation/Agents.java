package cloud.agora.functions.domain.invocation;

import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationReply;
import cloud.agora.protocol.usage.UsageReceipt;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The provider agents' invocation API ({@code POST /api/v1/invocations}), as the gateway uses it: the protocol's
 * {@link InvocationCall} (carrying the gateway's grant) and {@link InvocationReply}.
 */
public interface Agents {

    /** The problem slug of a call the agent did not answer in time. */
    String TIMED_OUT = "agent-timed-out";

    /**
     * The agent's answer: the reply as sent, without its receipt ({@link InvocationReply#receipt()} is null here), and
     * the provider-signed receipt, read only when asked for (the recorder does, once the agent's answer arrived): null
     * when absent or unreadable — an unreadable receipt does not cost the caller the function's answer.
     */
    record AgentReply(InvocationReply reply, Supplier<UsageReceipt> receipt) {
    }

    /** The agent could not be reached, so the call certainly did not start: another replica may take it. */
    class UnreachableException extends RuntimeException {
        public UnreachableException(String message) {
            super(message);
        }
    }

    /**
     * The agent answered that it holds no such lease ({@code 404 lease-not-held}): it refused the call before running
     * anything — a replica just added, whose agent has not heard of its lease yet, or one already closed — so another
     * replica may take it, as from an unreachable agent.
     */
    class LeaseNotHeldException extends UnreachableException {
        public LeaseNotHeldException(String message) {
            super(message);
        }
    }

    /**
     * Runs the call on the agent at {@code endpoint} — connected to {@code address} when the endpoint check pinned one
     * ({@link EndpointGuard.Checked#address}), the endpoint's host staying the {@code Host} header and TLS name —
     * without blocking the calling thread. The stage
     * fails with {@link UnreachableException} when no connection was made (safe to retry elsewhere),
     * with {@link InvocationFailedException} when the agent was reached but gave no usable answer
     * (never retried: the function may have started) — among them an answer larger than the gateway reads.
     */
    CompletionStage<AgentReply> invoke(String endpoint, Optional<InetAddress> address, InvocationCall call,
            Duration timeout);

    /**
     * Whether the agent at {@code endpoint} (connected to {@code address} when pinned, as {@link #invoke}) answers
     * {@code GET /q/health} with 200 within {@code timeout}; its body is not read.
     */
    boolean healthy(String endpoint, Optional<InetAddress> address, Duration timeout);
}
