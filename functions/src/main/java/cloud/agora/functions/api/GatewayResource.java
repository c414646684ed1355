package cloud.agora.functions.api;

import cloud.agora.functions.domain.InvocationRouter;
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
import java.util.Set;

/**
 * {@code /fn/{name}/...}: the synchronous invocation gateway. Any method; the function gets
 * the method, the path after the name, the query, the headers (less credentials) and the
 * body. The response carries {@code Agora-Invocation-Id} and {@code Agora-Provider}.
 */
@Path("/fn/{name}")
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
    public Response get(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request) {
        return call("GET", name, rest, uri, headers, request, new byte[0]);
    }

    @DELETE
    @Path("{rest: .*}")
    public Response delete(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request) {
        return call("DELETE", name, rest, uri, headers, request, new byte[0]);
    }

    @POST
    @Path("{rest: .*}")
    public Response post(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request, byte[] body) {
        return call("POST", name, rest, uri, headers, request, body);
    }

    @PUT
    @Path("{rest: .*}")
    public Response put(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request, byte[] body) {
        return call("PUT", name, rest, uri, headers, request, body);
    }

    @PATCH
    @Path("{rest: .*}")
    public Response patch(@PathParam("name") String name, @PathParam("rest") String rest, @Context UriInfo uri,
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

    private Response call(String method, String name, String rest, UriInfo uri, HttpHeaders headers,
            HttpServerRequest request, byte[] body) {
        gate.admit(name, headers, request);
        Map<String, String> forwarded = forwarded(headers);
        String query = uri.getRequestUri().getRawQuery();
        InvocationRouter.Invocation done = router.invoke(name, method, "/" + rest, query == null ? "" : query, forwarded,
                body == null ? new byte[0] : body);
        return Response.ok(done.body(), "application/octet-stream").header("Agora-Invocation-Id", done.invocationId())
                .header("Agora-Provider", done.provider()).header("Agora-Function-Version", done.version()).build();
    }
}
