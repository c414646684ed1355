package cloud.agora.functions.api;

import cloud.agora.functions.domain.invocation.CallAdmission;
import cloud.agora.functions.domain.invocation.InvocationRouter;
import cloud.agora.support.auth.SignInService;
import cloud.agora.support.problem.ProblemMappers;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Names the caller for {@link CallAdmission}: the address of a valid bearer token, else the
 * client's IP (a forged or expired token counts as anonymous: /fn is public), and adds
 * Retry-After to a {@code rate-limited} problem.
 */
@ApplicationScoped
public class CallerGate {

    private final CallAdmission admission;
    private final SignInService signIn;

    public CallerGate(CallAdmission admission, SignInService signIn) {
        this.admission = admission;
        this.signIn = signIn;
    }

    /** Rate limit and credit for a call of {@code function} (may read PostgreSQL for the function's owner). */
    void admit(String function, HttpHeaders headers, HttpServerRequest request) {
        admission.admit(caller(headers, request), function);
    }

    /** The rate limit alone: in memory, safe on an event loop. */
    void rateLimit(HttpHeaders headers, HttpServerRequest request) {
        admission.rateLimit(caller(headers, request));
    }

    /** The owner's credit for a call of {@code target}: in memory, safe on an event loop. */
    void checkCredit(InvocationRouter.Target target) {
        admission.checkCredit(target.function().name(), target.function().owner());
    }

    private String caller(HttpHeaders headers, HttpServerRequest request) {
        String auth = headers.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            try {
                return signIn.authenticate(auth.substring(7).strip()).value();
            } catch (RuntimeException invalid) {
                // not a token of this platform: the caller is anonymous
            }
        }
        return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    }

    @ServerExceptionMapper
    public Response rateLimited(CallAdmission.RateLimitedException e, UriInfo uri) {
        return Response.fromResponse(new ProblemMappers().domain(e, uri)).header("Retry-After", e.retryAfterSeconds()).build();
    }
}
