package cloud.agora.functions.api;

import cloud.agora.functions.domain.catalog.FunctionNotFoundException;
import cloud.agora.functions.domain.history.InvocationHistory;
import cloud.agora.functions.domain.history.LogQuery;
import cloud.agora.functions.domain.history.UsageReport;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemException;
import cloud.agora.support.problem.ProblemResponses;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.jboss.resteasy.reactive.RestMulti;

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
    @ProblemResponses({FunctionNotFoundException.class})
    public UsageReport usage(@PathParam("name") String name) {
        return history.usage(caller.address(), name);
    }

    /**
     * The function's log lines in record order (the gateway's record time, then {@code seq}), streamed page by page:
     * {@code text/event-stream} (the default; each line one event whose {@code id} is its {@code seq}) or
     * {@code application/x-ndjson} (one JSON object per line), each line {@code {seq, time, invocationId, provider,
     * line}}. Filters {@code since}, {@code until} (ISO-8601 instants), {@code invocationId}, {@code provider},
     * {@code contains} (plain, case-sensitive), {@code limit}; {@code after} (or the {@code Last-Event-ID} header,
     * which wins) resumes after the line with that {@code seq}; {@code follow=true} keeps streaming new lines.
     */
    @GET
    @Path("logs")
    @Blocking
    @ProblemResponses({LogFormat.LogFormatNotAcceptableException.class, InvalidSinceException.class,
            LogQuery.InvalidLogQueryException.class, InvocationHistory.TooManyLogStreamsException.class,
            FunctionNotFoundException.class})
    public RestMulti<byte[]> logs(@PathParam("name") String name, @QueryParam("since") String since,
            @QueryParam("until") String until, @QueryParam("invocationId") String invocationId,
            @QueryParam("provider") String provider, @QueryParam("contains") String contains,
            @QueryParam("limit") String limit, @QueryParam("after") String after,
            @HeaderParam("Last-Event-ID") String lastEventId, @QueryParam("follow") String follow,
            @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        LogFormat format = LogFormat.accepting(accept);
        LogQuery query = new LogQuery(instant(since), LogQueryParameters.instant("until", until),
                LogQueryParameters.uuid("invocationId", invocationId), LogQueryParameters.address("provider", provider),
                contains, LogQueryParameters.limit(limit), LogQueryParameters.cursor(after, lastEventId));
        Multi<byte[]> pages = history.logs(caller.address(), name, query, LogQueryParameters.flag("follow", follow))
                .map(format::render);
        // the first (empty) write sends the status and headers at once, also to a follower of a quiet log
        return RestMulti.fromMultiData(Multi.createBy().concatenating().streams(Multi.createFrom().item(new byte[0]), pages))
                .header(HttpHeaders.CONTENT_TYPE, format.mediaType()).header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build();
    }

    private static Instant instant(String since) {
        if (since == null || since.isBlank()) {
            return null;
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
