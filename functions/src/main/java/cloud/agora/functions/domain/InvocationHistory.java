package cloud.agora.functions.domain;

import cloud.agora.functions.persistence.FunctionStore.FunctionRow;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.protocol.eth.Address;
import cloud.agora.support.problem.ProblemException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A function's recorded calls for its owner: usage so far and the stderr lines of every call,
 * merged across providers (every call passes a gateway, which records its stderr in the one
 * database all gateway instances share, so following the table follows every provider).
 */
@ApplicationScoped
public class InvocationHistory {

    private static final int PAGE = 500;
    private static final Duration FOLLOW_POLL = Duration.ofMillis(200);

    private final FunctionCatalog catalog;
    private final InvocationStore store;
    private final InvocationRecorder recorder;
    private final int maxFollowed;
    /** Followed streams open per developer on this instance (no entry: none). */
    private final ConcurrentHashMap<Address, Integer> followed = new ConcurrentHashMap<>();

    public InvocationHistory(FunctionCatalog catalog, InvocationStore store, InvocationRecorder recorder,
            FunctionsConfig config) {
        this.catalog = catalog;
        this.store = store;
        this.recorder = recorder;
        this.maxFollowed = config.maxLogStreamsPerCaller();
    }

    /** Refused: the developer already follows as many log streams as one may. */
    public static final class TooManyLogStreamsException extends ProblemException {
        TooManyLogStreamsException(String function, int max) {
            super(429, "too-many-log-streams", "Too many followed log streams", "at most " + max + " followed log"
                    + " streams may be open at once; close one before following '" + function + "'",
                    Map.of("function", function, "maxStreams", max));
        }
    }

    /** The usage of {@code owner}'s function {@code name}. */
    public UsageReport usage(Address owner, String name) {
        FunctionRow function = catalog.owned(owner, name);
        recorder.awaitRecorded(); // every call this gateway answered so far counts
        return store.usage(function.id(), name);
    }

    /**
     * The log lines of {@code owner}'s function {@code name} written at or after {@code since},
     * oldest first; with {@code follow}, new lines keep coming until the subscriber cancels.
     * The ownership check happens now (so a stranger gets 404 before any stream starts), and so does the bound on
     * followed streams ({@code max-log-streams-per-caller}: 429 {@code too-many-log-streams}).
     */
    public Multi<LogLine> logs(Address owner, String name, Instant since, boolean follow) {
        FunctionRow function = catalog.owned(owner, name);
        recorder.awaitRecorded();
        long[] last = {0};
        Multi<List<LogLine>> backlog = Multi.createBy().repeating().supplier(() -> page(function, last, since))
                .until(List::isEmpty);
        Multi<List<LogLine>> stream = backlog;
        if (follow) {
            // counted from here until the stream ends for any reason (the client closing it cancels it)
            followed.compute(owner, (who, open) -> {
                int now = open == null ? 0 : open;
                if (now >= maxFollowed) {
                    throw new TooManyLogStreamsException(name, maxFollowed);
                }
                return now + 1;
            });
            Multi<List<LogLine>> tail = Multi.createFrom().ticks().every(FOLLOW_POLL).onOverflow().drop()
                    .emitOn(Infrastructure.getDefaultWorkerPool()).map(tick -> page(function, last, since));
            stream = Multi.createBy().concatenating().streams(backlog, tail).onTermination()
                    .invoke(() -> followed.computeIfPresent(owner, (who, open) -> open <= 1 ? null : open - 1));
        }
        return stream.runSubscriptionOn(Infrastructure.getDefaultWorkerPool()).onItem().transformToIterable(lines -> lines);
    }

    private List<LogLine> page(FunctionRow function, long[] last, Instant since) {
        List<LogLine> lines = store.logs(function.id(), last[0], since, PAGE);
        if (!lines.isEmpty()) {
            last[0] = lines.get(lines.size() - 1).seq();
        }
        return lines;
    }
}
