package cloud.agora.storage.api;

import cloud.agora.support.problem.Problem;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The Pinning Service API defines its own error body, {@code {"error": {"reason", "details"}}},
 * where the rest of the platform answers RFC 9457 problems. This filter turns every problem on
 * {@link PinningApi} endpoints (including the sign-in filter's 401s and the shared JSON error
 * mappers') into that Failure shape, with the spec's reasons for the statuses it names. Storage the caller does
 * not pay for (402 {@code storage-not-paid} elsewhere) is the spec's 409 {@code INSUFFICIENT_FUNDS}.
 */
@Provider
@PinningApi
@Priority(Priorities.USER)
public class PinningFailureFilter implements ContainerResponseFilter {

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(response.getEntity() instanceof Problem problem)) {
            return;
        }
        Map<String, String> error = new LinkedHashMap<>();
        error.put("reason", reason(problem));
        if (problem.detail() != null) {
            error.put("details", problem.detail());
        }
        if (problem.status() == 402) {
            response.setStatus(409);
        }
        response.setEntity(Map.of("error", error));
        response.getHeaders().putSingle("Content-Type", MediaType.APPLICATION_JSON);
    }

    static String reason(Problem problem) {
        return switch (problem.status()) {
            case 400 -> "BAD_REQUEST";
            case 401 -> "UNAUTHORIZED";
            case 404 -> "NOT_FOUND";
            case 402, 409 -> "INSUFFICIENT_FUNDS";
            default -> problem.status() >= 500 ? "INTERNAL_SERVER_ERROR"
                    : problem.type().substring(Problem.TYPE_PREFIX.length()).toUpperCase(Locale.ROOT).replace('-', '_');
        };
    }
}
