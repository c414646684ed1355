package cloud.agora.agent.api;

import cloud.agora.agent.problem.RejectedException;
import cloud.agora.agent.runtime.RuntimeFailureException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * RFC 9457 problems with type {@code urn:agora:problem:<slug>} (the agent does not depend on
 * service-support, which would force a datasource on it; this is the same shape).
 */
public final class Problems {

    private Problems() {
    }

    static Response response(int status, String slug, String title, String detail, UUID id) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:agora:problem:" + slug);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (id != null) {
            body.put("id", id.toString());
        }
        return Response.status(status).type("application/problem+json").entity(body).build();
    }

    /** Refused calls and storage requests. */
    @Provider
    public static class Rejected implements ExceptionMapper<RejectedException> {
        @Override
        public Response toResponse(RejectedException e) {
            return response(e.status(), e.slug(), e.title(), e.getMessage(), e.id());
        }
    }

    /** The container runtime failed: a platform error (the gateway may fail over). */
    @Provider
    public static class RuntimeFailure implements ExceptionMapper<RuntimeFailureException> {
        private static final Logger LOG = Logger.getLogger(RuntimeFailure.class);

        @Override
        public Response toResponse(RuntimeFailureException e) {
            LOG.warn("runtime failure", e);
            return response(503, "runtime-unavailable", "Runtime unavailable", e.getMessage(), null);
        }
    }

    /** Malformed input (bad UUIDs, base64, JSON). */
    @Provider
    public static class BadInput implements ExceptionMapper<IllegalArgumentException> {
        @Override
        public Response toResponse(IllegalArgumentException e) {
            return response(400, "invalid-invocation", "Invalid invocation", e.getMessage(), null);
        }
    }
}
