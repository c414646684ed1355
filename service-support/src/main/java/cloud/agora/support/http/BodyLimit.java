package cloud.agora.support.http;

import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.support.problem.PlatformProblem;
import cloud.agora.support.problem.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a request whose {@code Content-Length} is above the service's {@code quarkus.http.limits.max-body-size}
 * before any of its body is read, with an RFC 9457 problem ({@code 413 body-too-large}, naming the limit) instead of
 * Vert.x's bare 413; the connection is closed after the answer, so the unread body goes with it. A body without a
 * length (chunked) is still cut by Quarkus's own limit while it streams in.
 */
@ApplicationScoped
public class BodyLimit {

    /** Before Quarkus's body handler (which answers a bare 413). */
    static final int ORDER = Integer.MIN_VALUE;

    private final long maxBytes;

    public BodyLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBodySize) {
        this.maxBytes = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::check);
    }

    void check(RoutingContext context) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        long bytes;
        try {
            bytes = length == null ? -1 : Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            bytes = Long.MAX_VALUE; // not a length: refused as one no limit allows
        }
        if (bytes <= maxBytes) {
            context.next();
            return;
        }
        Problem problem = PlatformProblem.BODY_TOO_LARGE.with("the body announces "
                + (length == null ? "?" : length.strip()) + " bytes; this service reads at most " + maxBytes,
                context.request().path(), Map.of("maxBytes", maxBytes));
        context.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CONNECTION, "close").end(JsonCodec.write(problem));
    }
}
