package cloud.agora.functions.api;

import cloud.agora.functions.domain.async.AsyncInvocation;
import cloud.agora.functions.domain.async.AsyncInvoker;
import cloud.agora.functions.domain.catalog.FunctionNotFoundException;
import cloud.agora.functions.domain.catalog.InvalidFunctionSpecException;
import cloud.agora.functions.domain.invocation.CallAdmission;
import cloud.agora.functions.domain.invocation.FunctionNotDeployedException;
import cloud.agora.functions.domain.invocation.InvocationFailedException;
import cloud.agora.support.problem.ProblemResponses;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Map;

/**
 * Async invocations: {@code POST /api/v1/functions/{name}/invocations} (body = the request
 * payload, headers as at {@code /fn}) → 202 {@code {id, status, capability}} with Location, and
 * {@code GET /api/v1/invocations/{id}} ({@link AsyncInvocationStatusResource}), readable by the function's owner or
 * with {@code Agora-Capability: <capability>}.
 */
@Path("/api/v1/functions/{name}/invocations")
@Produces(MediaType.APPLICATION_JSON)
public class AsyncInvocationResource {

    private final AsyncInvoker invoker;
    private final CallerGate gate;

    public AsyncInvocationResource(AsyncInvoker invoker, CallerGate gate) {
        this.invoker = invoker;
        this.gate = gate;
    }

    @POST
    @ProblemResponses({CallAdmission.RateLimitedException.class, CallAdmission.CreditExhaustedException.class,
            InvocationFailedException.class, InvalidFunctionSpecException.class, FunctionNotFoundException.class,
            FunctionNotDeployedException.class})
    public Response submit(@PathParam("name") String name, @Context HttpHeaders headers, @Context HttpServerRequest request,
            byte[] body) {
        gate.admit(name, headers, request);
        AsyncInvoker.Submitted accepted = invoker.submit(name, "POST", "/", "", GatewayResource.forwarded(headers),
                body == null ? new byte[0] : body);
        return Response.accepted(Map.of("id", accepted.id(), "status", AsyncInvocation.Status.QUEUED, "capability",
                accepted.capability())).location(URI.create("/api/v1/invocations/" + accepted.id())).build();
    }
}
