package cloud.agora.agent.api;

import cloud.agora.agent.invocation.InvocationRunner;
import cloud.agora.agent.metrics.AgentMeters;
import cloud.agora.agent.problem.RejectedException;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationReply;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code POST /api/v1/invocations}: runs one call the platform gateway granted, under a lease this provider holds.
 * Anyone may send; only a call carrying a valid grant of a trusted functions gateway for exactly this call runs (see
 * {@link cloud.agora.agent.invocation.InvocationGrants}).
 *
 * <p>The endpoint is not a blocking one: a call's JSON (up to RESTEasy's input buffer, 10 KiB; a larger one is read on a
 * worker) is read and parsed on the event loop, and only then is the call handed to a worker thread, which runs it (a
 * call blocks: the function, the journal's sync) and writes the reply's JSON, so that the event loop only sends bytes
 * (a reply holds up to the runtime's output limit, megabytes). Declared blocking, RESTEasy hands the request to a
 * worker before the body is read, and the worker then sleeps until the event loop passes it the body's bytes: one more
 * wake-up per call, measured at a quarter of HTTP mode's calls/s (provider-agent README, "HTTP mode against
 * of-watchdog").
 */
@Path("/api/v1/invocations")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class InvocationResource {

    private final InvocationRunner runner;
    private final AgentMeters meters;
    private final Vertx vertx;
    private final ObjectMapper json;

    public InvocationResource(InvocationRunner runner, AgentMeters meters, Vertx vertx, ObjectMapper json) {
        this.runner = runner;
        this.meters = meters;
        this.vertx = vertx;
        this.json = json;
    }

    /**
     * Runs the call on a worker thread; the reply ({@link InvocationReply}, its JSON written on that thread too) carries
     * the provider-signed, journaled receipt naming the grant.
     */
    @POST
    @APIResponse(responseCode = "200", description = "The call ran (whatever its outcome); its receipt is journaled",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = InvocationReply.class)))
    public CompletionStage<Response> invoke(InvocationCall call) {
        return vertx.executeBlocking(() -> Response.ok(json.writeValueAsBytes(run(call)), MediaType.APPLICATION_JSON_TYPE)
                .build(), false).toCompletionStage();
    }

    private InvocationReply run(InvocationCall call) {
        if (Context.isOnEventLoopThread()) { // every test of this endpoint would fail: a call blocks
            throw new IllegalStateException("an invocation runs on a worker thread, never on the event loop");
        }
        if (call == null) {
            throw new IllegalArgumentException("the body must be an invocation call");
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
        long arrived = System.nanoTime();
        InvocationRunner.Completed done;
        try {
            done = runner.run(new InvocationRunner.Call(call.grant(), call.invocationId(), call.leaseId(), call.runtime(),
                    call.bundle(), call.command(), call.body() == null ? new byte[0] : call.body(), call.env(), env,
                    call.timeoutMillis(), call.mode(),
                    new InvocationRequest.HttpCall(call.method(), call.path(), call.query(), call.headers())));
        } catch (RejectedException e) {
            meters.refused(e.slug());
            throw e;
        }
        meters.ran(call.leaseId(), done.result(), Duration.ofNanos(System.nanoTime() - arrived));
        return new InvocationReply(call.invocationId(), done.result().outcome(), done.result().exitCode(),
                done.result().stdout(), done.result().stderr(), done.result().stderrTruncated(), done.result().warm(),
                done.receipt(), done.result().httpStatus(), done.result().headers());
    }

    private static String oneLine(String value) {
        return value.replace('\n', ' ').replace('\r', ' ');
    }
}
