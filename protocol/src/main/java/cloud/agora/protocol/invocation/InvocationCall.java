package cloud.agora.protocol.invocation;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The body of an agent's {@code POST /api/v1/invocations}: one call of a function, as the platform gateway sends it.
 * The agent runs it only when {@code grant} is a valid grant of a trusted gateway for exactly this invocation, lease,
 * bundle and timeout (see {@link InvocationGrant}).
 *
 * @param grant         the gateway's signed authorization of this call
 * @param invocationId  unique on the platform (the receipt's id)
 * @param leaseId       the lease it runs under
 * @param runtime       {@code shell} (default) or {@code jvm}
 * @param bundle        the version's bundle CID (the agent fetches and verifies it)
 * @param command       argv in the container, e.g. {@code ["/bin/sh", "/function/handler.sh"]}
 * @param method        HTTP method of the original request ({@code AGORA_METHOD})
 * @param path          its path ({@code AGORA_PATH})
 * @param query         its query string ({@code AGORA_QUERY})
 * @param headers       its headers ({@code HTTP_<NAME>}, upper-cased, '-' → '_')
 * @param body          the request body (base64 in JSON)
 * @param timeoutMillis wall-clock limit, at most the grant's
 * @param env           the function's environment, name → value (secrets already opened; no {@code AGORA_*} names)
 * @param mode          {@code exec} (default: one process per call, the body on stdin) or {@code http} (a long-running
 *                      server on {@code $PORT}, each call forwarded to it as HTTP)
 */
public record InvocationCall(InvocationGrant grant, UUID invocationId, UUID leaseId, String runtime, String bundle,
        List<String> command, String method, String path, String query, Map<String, String> headers, byte[] body,
        Long timeoutMillis, Map<String, String> env, String mode) {

    /** An exec-mode call. */
    public InvocationCall(InvocationGrant grant, UUID invocationId, UUID leaseId, String runtime, String bundle,
            List<String> command, String method, String path, String query, Map<String, String> headers, byte[] body,
            Long timeoutMillis, Map<String, String> env) {
        this(grant, invocationId, leaseId, runtime, bundle, command, method, path, query, headers, body, timeoutMillis, env,
                null);
    }

    /** The same call on another lease with its grant. */
    public InvocationCall onLease(UUID lease, InvocationGrant leaseGrant) {
        return new InvocationCall(leaseGrant, invocationId, lease, runtime, bundle, command, method, path, query, headers,
                body, timeoutMillis, env, mode);
    }
}
