package cloud.agora.support.problem;

import java.util.Map;

/**
 * The problems every service answers by itself, whatever its domain: sign-in, refused bodies and parameters, errors
 * of JAX-RS and unexpected errors. {@link ProblemMappers}, the sign-in filter and the body limit answer them; the
 * OpenAPI filter declares them. One place for their status, slug and title.
 */
public enum PlatformProblem {
    UNAUTHENTICATED(401, "unauthenticated", "Sign-in required"),
    INVALID_TOKEN(401, "invalid-token", "The access token is not accepted"),
    INVALID_BODY(400, "invalid-body", "The request body is invalid"),
    INVALID_ADDRESS(400, "invalid-address", "Not an Ethereum address"),
    INVALID_REQUEST(400, "invalid-request", "The request is invalid"),
    BODY_TOO_LARGE(413, "body-too-large", "The request body is too large"),
    DATABASE_UNAVAILABLE(503, "database-unavailable", "The database is unavailable"),
    INTERNAL_ERROR(500, "internal-error", "Internal error");

    private final int status;
    private final String slug;
    private final String title;

    PlatformProblem(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    /** Its {@code type}, {@code urn:agora:problem:<slug>}. */
    public String type() {
        return Problem.TYPE_PREFIX + slug;
    }

    /** This problem this time. */
    public Problem with(String detail, String instance, Map<String, Object> ids) {
        return Problem.of(status, slug, title, detail, instance, ids);
    }
}
