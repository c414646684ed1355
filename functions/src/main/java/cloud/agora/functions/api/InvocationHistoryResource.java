package cloud.agora.functions.api;

import cloud.agora.functions.domain.InvocationHistory;
import cloud.agora.functions.domain.LogLine;
import cloud.agora.functions.domain.UsageReport;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** A function's usage and logs, for its owner only (another developer's function is 404). */
@Path("/api/v1/functions/{name}")
@SignedIn
public class InvocationHistoryResource {

    private final InvocationHistory history;
    private final Caller caller;

    public InvocationHistoryResource(InvocationHistory history, Caller caller) {
        this.history = history;
        this.caller = caller;
    }

    @GET
    @Path("usage")
    @Produces(MediaType.APPLICATION_JSON)
    public UsageReport usage(@PathParam("name") String name) {
        return history.usage(caller.address(), name);
    }

    /**
     * Server-sent events, one JSON {@link LogLine} each ({@code seq}, {@code time},
     * {@code invocationId}, {@code provider}, {@code line}); {@code since} = ISO-8601 instant,
     * {@code follow=true} keeps the stream open for new lines.
     */
    @GET
    @Path("logs")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Blocking
    public Multi<LogLine> logs(@PathParam("name") String name, @QueryParam("since") String since,
            @QueryParam("follow") boolean follow) {
        return history.logs(caller.address(), name, instant(since), follow);
    }

    private static Instant instant(String since) {
        if (since == null || since.isBlank()) {
            return Instant.EPOCH;
        }
        try {
            return Instant.parse(since);
        } catch (DateTimeParseException e) {
            throw new InvalidSinceException(since);
        }
    }

    /** {@code since} is not an ISO-8601 instant. */
    static final class InvalidSinceException extends ProblemException {
        InvalidSinceException(String since) {
            super(400, "invalid-since", "since is not an instant", "since must be an ISO-8601 instant such as"
                    + " 2026-01-01T00:00:00Z, got '" + since + "'", Map.of("since", since));
        }
    }
}
