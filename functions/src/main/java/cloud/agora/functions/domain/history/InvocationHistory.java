package cloud.agora.functions.domain.history;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.catalog.FunctionCatalog;
import cloud.agora.functions.domain.catalog.RegisteredFunction;
import cloud.agora.functions.domain.recording.InvocationRecorder;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.support.problem.ProblemException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
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
    private static final long FOLLOW_POLL_MILLIS = 200;
    private static final Duration FOLLOW_POLL = Duration.ofMillis(FOLLOW_POLL_MILLIS);

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
        RegisteredFunction function = catalog.owned(owner, name);
        recorder.awaitRecorded(); // every call this gateway answered so far counts
        return store.usage(function.id(), name);
    }

    /**
     * The log lines of {@code owner}'s function {@code name} that {@code query} asks for, in record order, as pages of
     * at most {@value #PAGE} lines read one at a time from PostgreSQL when the subscriber asks for the next (so
     * memory does not grow with the log); with {@code follow}, lines recorded later keep coming until the subscriber
     * cancels or {@code query.limit()} lines went out. The ownership check happens now (so a stranger gets 404 before
     * any stream starts), and so does the bound on followed streams ({@code max-log-streams-per-caller}: 429
     * {@code too-many-log-streams}).
     *
     * <p>Order: by the gateway's record time of each line's call, then by {@code seq} (a call's lines keep their
     * stderr order). A followed stream first reads the lines of every recording transaction that had ended when it
     * started, in that order; then, every {@value #FOLLOW_POLL_MILLIS} ms, the lines of the transactions that ended
     * since, in that order within each look: a line is delivered once, and never skipped because another gateway
     * instance committed it after later lines had gone out.
     */
    public Multi<List<LogLine>> logs(Address owner, String name, LogQuery query, boolean follow) {
        if (follow && query.until() != null) {
            throw new LogQuery.InvalidLogQueryException("until", query.until().toString(),
                    "a followed stream has no end: until and follow=true exclude each other");
        }
        RegisteredFunction function = catalog.owned(owner, name);
        recorder.awaitRecorded();
        LogReader reader = new LogReader(function, query, follow ? store.settledBelow() : null);
        Multi<List<LogLine>> backlog = Multi.createBy().repeating().uni(() -> onWorker(reader::nextBacklogPage))
                .until(List::isEmpty);
        if (!follow) {
            return backlog;
        }
        // counted from here until the stream ends for any reason (the client closing it cancels it)
        followed.compute(owner, (who, open) -> {
            int now = open == null ? 0 : open;
            if (now >= maxFollowed) {
                throw new TooManyLogStreamsException(name, maxFollowed);
            }
            return now + 1;
        });
        Multi<List<LogLine>> tail = Multi.createBy().repeating()
                .uni(() -> onWorker(reader::nextTailPage).onItem().transformToUni(page -> page.isEmpty() && !reader.done()
                        ? Uni.createFrom().item(page).onItem().delayIt().by(FOLLOW_POLL)
                        : Uni.createFrom().item(page)))
                .whilst(page -> !reader.done())
                .select().where(page -> !page.isEmpty());
        return Multi.createBy().concatenating().streams(backlog, tail).onTermination()
                .invoke(() -> followed.computeIfPresent(owner, (who, open) -> open <= 1 ? null : open - 1));
    }

    private static <T> Uni<T> onWorker(java.util.function.Supplier<T> read) {
        return Uni.createFrom().item(read).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Where one stream is in the log: its keyset position, the lines it may still send, the transactions read. */
    private final class LogReader {

        private final RegisteredFunction function;
        private final LogQuery query;
        private LogPosition position;
        private long remaining;
        /** Followed: transactions below this one were read (the backlog reads only those). */
        private Long settled;
        /** Followed: the transactions being read now, and the position within them. */
        private CommitWindow window;
        private LogPosition windowPosition;

        LogReader(RegisteredFunction function, LogQuery query, Long settled) {
            this.function = function;
            this.query = query;
            this.remaining = query.limit();
            this.settled = settled;
            // a cursor whose line is gone went with the retention period: every line kept is after it
            this.position = query.after() == null ? null : store.logPosition(function.id(), query.after()).orElse(null);
        }

        boolean done() {
            return remaining <= 0;
        }

        List<LogLine> nextBacklogPage() {
            List<LogLine> page = read(position, settled == null ? CommitWindow.ANY : new CommitWindow(null, settled));
            if (!page.isEmpty()) {
                LogLine last = page.get(page.size() - 1);
                position = new LogPosition(last.time(), last.seq());
            }
            return page;
        }

        List<LogLine> nextTailPage() {
            if (window == null) {
                long now = store.settledBelow();
                if (now <= settled) {
                    return List.of();
                }
                window = new CommitWindow(settled, now);
                windowPosition = null;
            }
            List<LogLine> page = read(windowPosition, window);
            if (page.size() < PAGE) {
                settled = window.below();
                window = null;
            } else {
                LogLine last = page.get(page.size() - 1);
                windowPosition = new LogPosition(last.time(), last.seq());
            }
            return page;
        }

        private List<LogLine> read(LogPosition after, CommitWindow transactions) {
            if (done()) {
                return List.of();
            }
            List<LogLine> page = store.logPage(function.id(), query, after, transactions, (int) Math.min(PAGE, remaining));
            remaining -= page.size();
            return page;
        }
    }
}
