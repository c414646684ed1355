package cloud.agora.support.problem;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import cloud.agora.support.jdbc.StoreException;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where exceptions become RFC 9457 problem responses, for every service.
 * Clients never see a stack trace; unexpected errors are logged with an id the client gets.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    /** What a client is told to wait before retrying while the database is away. */
    static final int DATABASE_RETRY_AFTER_SECONDS = 2;

    @ServerExceptionMapper
    public Response domain(ProblemException e, UriInfo uri) {
        Response response = Problem.of(e.status(), e.slug(), e.title(), e.getMessage(), path(uri), e.ids()).toResponse();
        return e.retryAfter()
                .map(after -> Response.fromResponse(response).header("Retry-After", Math.max(1, after.toSeconds())).build())
                .orElse(response);
    }

    @ServerExceptionMapper
    public Response json(JacksonException e, UriInfo uri) {
        return invalidBody(describe(e), uri);
    }

    // Quarkus has its own mapper for MismatchedInputException (a different body shape); these
    // more specific ones keep every refused body an RFC 9457 problem.

    @ServerExceptionMapper
    public Response mismatched(com.fasterxml.jackson.databind.exc.MismatchedInputException e, UriInfo uri) {
        return invalidBody(describe(e), uri);
    }

    @ServerExceptionMapper
    public Response invalidFormat(com.fasterxml.jackson.databind.exc.InvalidFormatException e, UriInfo uri) {
        return invalidBody(describe(e), uri);
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e, UriInfo uri) {
        return invalidBody(describe(e), uri);
    }

    @ServerExceptionMapper
    public Response invalidValue(ValueInstantiationException e, UriInfo uri) {
        return invalidBody(describe(e), uri);
    }

    @ServerExceptionMapper
    public Response unparsable(JsonParseException e, UriInfo uri) {
        return invalidBody(describe(e), uri);
    }

    @ServerExceptionMapper
    public Response invalidAddress(cloud.agora.protocol.eth.InvalidAddressException e, UriInfo uri) {
        return PlatformProblem.INVALID_ADDRESS.with(e.getMessage(), path(uri), Map.of()).toResponse();
    }

    @ServerExceptionMapper
    public Response constraint(ConstraintViolationException e, UriInfo uri) {
        String detail = e.getConstraintViolations().stream()
                .map(v -> v.getPropertyPath() + " " + v.getMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        return PlatformProblem.INVALID_REQUEST.with(detail, path(uri), Map.of()).toResponse();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        if (e.getCause() instanceof JacksonException json) {
            // the JSON reader wraps what Jackson refused in a plain 400
            return invalidBody(describe(json), uri);
        }
        int status = e.getResponse().getStatus();
        String slug = switch (status) {
            case 401 -> PlatformProblem.UNAUTHENTICATED.slug();
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 415 -> "unsupported-media-type";
            default -> status >= 500 ? PlatformProblem.INTERNAL_ERROR.slug() : PlatformProblem.INVALID_REQUEST.slug();
        };
        String reason = e.getResponse().getStatusInfo().getReasonPhrase();
        String detail = status == 404 ? "nothing at " + path(uri) : e.getMessage();
        return Problem.of(status, slug, reason, detail, path(uri), Map.of()).toResponse();
    }

    /**
     * A database that is away (unreachable, restarting, out of connections: {@link StoreException#isTransient}), also
     * when wrapped (an async stage's failure), is the service unavailable for a moment, not an internal error: 503 with
     * {@code Retry-After}; anything else unexpected is a 500 with an incident id.
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof StoreException store && store.isTransient()) {
                LOG.warnf("database unavailable on %s: %s", path(uri), store.getMessage());
                return Response.fromResponse(PlatformProblem.DATABASE_UNAVAILABLE.with(
                        "the service's database cannot be reached right now; nothing was changed, retry shortly", path(uri),
                        Map.of()).toResponse()).header("Retry-After", DATABASE_RETRY_AFTER_SECONDS).build();
            }
        }
        String incident = java.util.UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s on %s", incident, path(uri));
        return PlatformProblem.INTERNAL_ERROR.with("an unexpected error occurred; quote incident " + incident, path(uri),
                Map.of("incident", incident)).toResponse();
    }

    private static Response invalidBody(String detail, UriInfo uri) {
        return PlatformProblem.INVALID_BODY.with(detail, path(uri), Map.of()).toResponse();
    }

    /** What was wrong with the body, in the client's terms (field path, no Java class names). */
    private static String describe(JacksonException e) {
        if (e instanceof JsonParseException parse) {
            return "the body is not valid JSON: " + parse.getOriginalMessage();
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            return at(unknown) + "unknown field '" + unknown.getPropertyName() + "'";
        }
        if (e instanceof ValueInstantiationException invalid && invalid.getCause() != null) {
            return at(invalid) + invalid.getCause().getMessage();
        }
        String message = e.getOriginalMessage().replaceAll("\\(class [^)]*\\)", "")
                .replaceAll("`[a-z.]+\\.([A-Za-z$]+)`", "$1");
        return e instanceof JsonMappingException mapping ? at(mapping) + message : message;
    }

    private static String at(JsonMappingException e) {
        String field = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
        return field.isEmpty() ? "" : "field '" + field + "': ";
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }
}
