package cloud.agora.functions.domain.invocation;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/**
 * An invocation did not produce a result (5xx {@code invocation-failed} and kin); the ids travel with it. The
 * gateway's own refusals and the function's failures are built by the named factories below, which fix each one's
 * status, type and title; the agents' client builds the ones an agent's answer decides.
 */
public class InvocationFailedException extends ProblemException {

    public InvocationFailedException(int status, String slug, String title, String detail, Map<String, ?> ids) {
        super(status, slug, title, detail, ids);
    }

    /** 503 {@code gateway-overloaded}: too many answered calls wait to be recorded. */
    public static InvocationFailedException gatewayOverloaded(String detail, Map<String, ?> ids) {
        return new InvocationFailedException(503, "gateway-overloaded", "The gateway is overloaded", detail, ids);
    }

    /** 429 {@code concurrency-limit-reached}: the function already runs as many calls as its version allows. */
    public static InvocationFailedException concurrencyLimitReached(String detail, Map<String, ?> ids) {
        return new InvocationFailedException(429, "concurrency-limit-reached", "Too many calls in flight", detail, ids);
    }

    /** 502 {@code agent-endpoint-refused}: every replica's agent endpoint is one the gateway may not call. */
    public static InvocationFailedException agentEndpointRefused(String detail, Map<String, ?> ids) {
        return new InvocationFailedException(502, "agent-endpoint-refused", "No replica's agent may be called", detail,
                ids);
    }

    /** 503 {@code no-replica-reachable}: no replica's agent could be reached (or every one fails its checks). */
    public static InvocationFailedException noReplicaReachable(String detail, Map<String, ?> ids) {
        return new InvocationFailedException(503, "no-replica-reachable", "No replica could be reached", detail, ids);
    }

    /** 504 {@code function-timed-out}: the function ran longer than its timeout. */
    public static InvocationFailedException functionTimedOut(String detail, Map<String, ?> ids) {
        return new InvocationFailedException(504, "function-timed-out", "The function timed out", detail, ids);
    }

    /** 502 {@code function-out-of-memory}: the function exceeded its memory. */
    public static InvocationFailedException functionOutOfMemory(String detail, Map<String, ?> ids) {
        return new InvocationFailedException(502, "function-out-of-memory", "The function ran out of memory", detail,
                ids);
    }

    /** 502 {@code function-failed}: the function exited with an error. */
    public static InvocationFailedException functionFailed(String detail, Map<String, ?> ids) {
        return new InvocationFailedException(502, "function-failed", "The function failed", detail, ids);
    }

    /** 413 {@code invocation-too-large}: the request body is larger than the governed largest. */
    public static InvocationFailedException tooLarge(String detail, Map<String, ?> ids) {
        return new InvocationFailedException(413, "invocation-too-large", "The request body is too large", detail, ids);
    }
}
