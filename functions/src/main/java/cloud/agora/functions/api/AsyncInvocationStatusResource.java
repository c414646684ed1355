package cloud.agora.functions.api;

import cloud.agora.functions.domain.async.AsyncInvocation;
import cloud.agora.functions.domain.async.AsyncInvocationNotFoundException;
import cloud.agora.functions.domain.async.AsyncInvoker;
import cloud.agora.protocol.eth.Address;
import cloud.agora.support.auth.SignInService;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code GET /api/v1/invocations/{id}}: an async invocation's status, result or error, for the function's owner
 * (signed in) or whoever presents the capability returned with the 202 ({@value #CAPABILITY_HEADER}); anyone else
 * gets the 404 of an unknown id. An invalid bearer token counts as no token.
 */
@Path("/api/v1/invocations")
@Produces(MediaType.APPLICATION_JSON)
public class AsyncInvocationStatusResource {

    /** The header that carries an async invocation's read capability. */
    public static final String CAPABILITY_HEADER = "Agora-Capability";

    private final AsyncInvoker invoker;
    private final SignInService signIn;

    public AsyncInvocationStatusResource(AsyncInvoker invoker, SignInService signIn) {
        this.invoker = invoker;
        this.signIn = signIn;
    }

    @GET
    @Path("{id}")
    @ProblemResponses({AsyncInvocationNotFoundException.class})
    public AsyncInvocation get(@PathParam("id") UUID id, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(CAPABILITY_HEADER) String capability) {
        return invoker.get(id, reader(authorization), Optional.ofNullable(capability).map(String::strip)
                .filter(c -> !c.isEmpty()));
    }

    private Optional<Address> reader(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        try {
            return Optional.of(signIn.authenticate(authorization.substring(7).strip()));
        } catch (RuntimeException invalid) {
            return Optional.empty();
        }
    }
}
