package cloud.agora.functions.api;

import cloud.agora.functions.domain.catalog.FunctionNotFoundException;
import cloud.agora.functions.domain.catalog.InvalidFunctionSpecException;
import cloud.agora.functions.domain.invocation.CallAdmission;
import cloud.agora.functions.domain.invocation.FunctionNotDeployedException;
import cloud.agora.functions.domain.invocation.InvocationFailedException;
import cloud.agora.functions.domain.invocation.InvocationRouter;
import cloud.agora.functions.domain.invocation.SpendingBudget;
import cloud.agora.support.problem.ProblemResponses;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /fn/{name}/...}: the synchronous invocation gateway. Any method; the function gets
 * the method, the path after the name, the query, the headers (less credentials) and the
 * body. The response carries {@code Agora-Invocation-Id} and {@code Agora-Provider}. Non-blocking: a
 * call of a function whose routing is known costs no thread hand-off in this service.
 */
@Path("/fn/{name}")
@ProblemResponses({CallAdmission.RateLimitedException.class, CallAdmission.CreditExhaustedException.class,
        SpendingBudget.CreditCommittedException.class, SpendingBudget.BudgetUnavailableException.class,
        InvocationFailedException.class, InvalidFunctionSpecException.class, FunctionNotFoundException.class,
        FunctionNotDeployedException.class})
public class GatewayResource {

    private static final Set<String> HIDDEN_HEADERS = Set.of("authorization", "cookie", "host", "content-length",
            "connection");

    private final InvocationRouter router;
    private final CallerGate gate;

    public GatewayResource(InvocationRouter router, CallerGate gate) {
        this.router = router;
        this.gate = gate;
    }

    @GET
    @Path("{rest: .*}")
    public Uni<Response> get(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request) {
        return call("GET", name, rest, uri, headers, request, new byte[0]);
    }

    @DELETE
    @Path("{rest: .*}")
    public Uni<Response> delete(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request) {
        return call("DELETE", name, rest, uri, headers, request, new byte[0]);
    }

    @POST
    @Path("{rest: .*}")
    public Uni<Response> post(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request, byte[] body) {
        return call("POST", name, rest, uri, headers, request, body);
    }

    @PUT
    @Path("{rest: .*}")
    public Uni<Response> put(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request, byte[] body) {
        return call("PUT", name, rest, uri, headers, request, body);
    }

    @PATCH
    @Path("{rest: .*}")
    public Uni<Response> patch(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request, byte[] body) {
        return call("PATCH", name, rest, uri, headers, request, body);
    }

    /** The headers a function sees: all but credentials and hop-by-hop ones. */
    static Map<String, String> forwarded(HttpHeaders headers) {
        Map<String, String> forwarded = new LinkedHashMap<>();
        headers.getRequestHeaders().forEach((k, v) -> {
            if (!HIDDEN_HEADERS.contains(k.toLowerCase(Locale.ROOT))) {
                forwarded.put(k, String.join(",", v));
            }
        });
        return forwarded;
    }

    /**
     * Runs on the event loop: the rate limit, the routing target (from memory; read from PostgreSQL on a worker
     * thread when not known yet), the credit check and the agent call need no thread of their own.
     */
    private Uni<Response> call(String method, String name, String rest, UriInfo uri, HttpHeaders headers,
            HttpServerRequest request, byte[] body) {
        gate.rateLimit(headers, request);
        byte[] payload = body == null ? new byte[0] : body;
        Map<String, String> forwarded = forwarded(headers);
        String query = uri.getRequestUri().getRawQuery();
        Optional<InvocationRouter.Target> known = router.cachedTarget(name, payload.length);
        Uni<InvocationRouter.Target> target = known.isPresent() ? Uni.createFrom().item(known.get())
                : Uni.createFrom().item(() -> router.target(name, payload.length))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return target.chain(t -> {
            gate.checkCredit(t);
            return Uni.createFrom().completionStage(() -> router.call(UUID.randomUUID(), t, method, "/" + rest,
                    query == null ? "" : query, forwarded, payload));
        }).map(GatewayResource::response);
    }

    /** Headers a function's answer may not set: hop-by-hop ones, framing (the gateway frames the body), the platform's. */
    private static final Set<String> NOT_RETURNED = Set.of("connection", "keep-alive", "transfer-encoding", "content-length",
            "trailer", "upgrade", "proxy-connection", "te");

    /**
     * The caller's response: an exec-mode function's output as {@code application/octet-stream} with 200; an HTTP-mode
     * function's own status, headers and body. The platform's {@code Agora-*} headers are always the gateway's.
     */
    static Response response(InvocationRouter.Invocation done) {
        Response.ResponseBuilder answer;
        if (done.httpStatus() == null) {
            answer = Response.ok(done.body(), "application/octet-stream");
        } else {
            answer = Response.status(done.httpStatus()).entity(done.body());
            done.headers().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!NOT_RETURNED.contains(lower) && !lower.startsWith("agora-")) {
                    values.forEach(v -> answer.header(name, v));
                }
            });
            if (!done.headers().containsKey("content-type")) {
                answer.type("application/octet-stream");
            }
        }
        return answer.header("Agora-Invocation-Id", done.invocationId()).header("Agora-Provider", done.provider())
                .header("Agora-Function-Version", done.version()).build();
    }
}
