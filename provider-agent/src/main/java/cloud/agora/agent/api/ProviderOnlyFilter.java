package cloud.agora.agent.api;

import cloud.agora.agent.auth.ProviderSignIn;
import cloud.agora.agent.auth.SignInRefusedException;
import cloud.agora.protocol.auth.InvalidTokenException;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;

/**
 * Admits requests to {@link ProviderOnly} endpoints only with {@code Authorization: Bearer <token>} from this agent's
 * {@code POST /api/v1/auth/token}, issued to its provider: 401 {@code unauthenticated} without one, 401
 * {@code invalid-token} for a token this process did not issue (or expired), 403 {@code not-this-provider} for one
 * naming another address.
 */
@Provider
@ProviderOnly
@Priority(Priorities.AUTHENTICATION)
public class ProviderOnlyFilter implements ContainerRequestFilter {

    private static final String BEARER = "Bearer ";

    // looked up per request: filters are built at static init, before runtime config mappings exist
    private final Instance<ProviderSignIn> signIn;

    public ProviderOnlyFilter(Instance<ProviderSignIn> signIn) {
        this.signIn = signIn;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            request.abortWith(Problems.response(401, "unauthenticated", "Sign-in required",
                    "this shows the provider's leases: sign in as the provider (POST /api/v1/auth/challenge, then "
                            + "/api/v1/auth/token) and send 'Authorization: Bearer <token>'", null));
            return;
        }
        try {
            signIn.get().authenticate(header.substring(BEARER.length()).strip());
        } catch (InvalidTokenException e) {
            request.abortWith(Problems.response(401, "invalid-token", "The access token is not accepted", e.getMessage(), null));
        } catch (SignInRefusedException e) {
            request.abortWith(Problems.response(e.status(), e.slug(), e.title(), e.getMessage(), null));
        }
    }
}
