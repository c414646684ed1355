package cloud.agora.support.problem;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * An RFC 9457 problem details body. {@code type} is {@code urn:agora:problem:<slug>}, stable
 * across releases so clients can branch on it; {@code ids} become top-level extension members.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance,
        @com.fasterxml.jackson.annotation.JsonIgnore Map<String, Object> ids) {

    /** The media type of problem responses. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** The prefix of every problem type. */
    public static final String TYPE_PREFIX = "urn:agora:problem:";

    public static Problem of(int status, String slug, String title, String detail, String instance, Map<String, Object> ids) {
        return new Problem(TYPE_PREFIX + slug, title, status, detail, instance, ids == null ? Map.of() : ids);
    }

    @JsonAnyGetter
    public Map<String, Object> extensions() {
        return ids;
    }

    /** This problem as a response with the problem media type. */
    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}
