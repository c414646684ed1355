package cloud.agora.support.auth;

import cloud.agora.protocol.auth.InvalidTokenException;
import cloud.agora.support.problem.PlatformProblem;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;

/** Admits requests to {@link SignedIn} endpoints only with a valid bearer token. */
@Provider
@SignedIn
@Priority(Priorities.AUTHENTICATION)
public class SignedInFilter implements ContainerRequestFilter {

    private static final String BEARER = "Bearer ";

    @Inject
    SignInService signIn;

    @Inject
    Caller caller;

    @Override
    public void filter(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String path = request.getUriInfo().getRequestUri().getRawPath();
        if (header == null || !header.startsWith(BEARER)) {
            request.abortWith(PlatformProblem.UNAUTHENTICATED.with(
                    "send 'Authorization: Bearer <token>' from POST /api/v1/auth/token", path, Map.of()).toResponse());
            return;
        }
        try {
            caller.signedIn(signIn.authenticate(header.substring(BEARER.length()).strip()));
        } catch (InvalidTokenException e) {
            request.abortWith(PlatformProblem.INVALID_TOKEN.with(e.getMessage(), path, Map.of()).toResponse());
        }
    }
}
