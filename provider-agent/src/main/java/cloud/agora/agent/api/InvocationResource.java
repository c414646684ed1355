package cloud.agora.agent.api;

import cloud.agora.agent.invocation.InvocationRunner;
import cloud.agora.agent.runtime.InvocationOutcome;
import cloud.agora.protocol.usage.UsageReceipt;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** {@code POST /api/v1/invocations}: the gateway runs one call of a function under a lease this provider holds. */
@Path("/api/v1/invocations")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@GatewayOnly
public class InvocationResource {

    private final InvocationRunner runner;

    public InvocationResource(InvocationRunner runner) {
        this.runner = runner;
    }

    /**
     * A call.
     *
     * @param invocationId unique on the platform (the receipt's id)
     * @param leaseId      the lease it runs under
     * @param runtime      {@code shell} (default) or {@code jvm}
     * @param bundle       name of the unpacked bundle in the agent's bundle store
     * @param command      argv in the container, e.g. {@code ["/bin/sh", "/function/handler.sh"]}
     * @param method       HTTP method of the original request ({@code AGORA_METHOD})
     * @param path         its path ({@code AGORA_PATH})
     * @param query        its query string ({@code AGORA_QUERY})
     * @param headers      its headers ({@code HTTP_<NAME>}, upper-cased, '-' → '_')
     * @param body         the request body, base64
     * @param timeoutMillis wall-clock limit, or null for the default
     * @param env          the function's environment, name → value (no {@code AGORA_*} names)
     */
    public record InvocationCall(UUID invocationId, UUID leaseId, String runtime, String bundle, List<String> command,
            String method, String path, String query, Map<String, String> headers, String body, Long timeoutMillis,
            Map<String, String> env) {
    }

    /**
     * The result: status, the function's exit code and output, the tail of its standard error
     * (last 64 KiB, UTF-8) and the signed, journaled receipt.
     */
    public record InvocationReply(UUID invocationId, InvocationOutcome status, int exitCode, String body, String stderr,
            boolean stderrTruncated, boolean warm, UsageReceipt receipt) {
    }

    @POST
    public InvocationReply invoke(InvocationCall call) {
        if (call == null || call.invocationId() == null || call.leaseId() == null) {
            throw new IllegalArgumentException("invocationId and leaseId are required");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AGORA_METHOD", oneLine(call.method() == null ? "POST" : call.method()));
        env.put("AGORA_PATH", oneLine(call.path() == null ? "/" : call.path()));
        env.put("AGORA_QUERY", oneLine(call.query() == null ? "" : call.query()));
        if (call.headers() != null) {
            call.headers().forEach((k, v) -> {
                String name = "HTTP_" + k.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
                env.put(name, oneLine(v));
            });
        }
        byte[] body = call.body() == null ? new byte[0] : Base64.getDecoder().decode(call.body());
        InvocationRunner.Completed done = runner.run(new InvocationRunner.Call(call.invocationId(), call.leaseId(),
                call.runtime(), call.bundle(), call.command(), body, call.env(), env,
                call.timeoutMillis() == null ? null : Duration.ofMillis(call.timeoutMillis())));
        return new InvocationReply(call.invocationId(), done.result().outcome(), done.result().exitCode(),
                Base64.getEncoder().encodeToString(done.result().stdout()), done.result().stderr(),
                done.result().stderrTruncated(), done.result().warm(), done.receipt());
    }

    private static String oneLine(String value) {
        return value.replace('\n', ' ').replace('\r', ' ');
    }
}
