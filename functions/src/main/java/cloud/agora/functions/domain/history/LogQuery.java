package cloud.agora.functions.domain.history;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Which of a function's log lines a reader wants, in the gateway's record order ({@code time}, then {@code seq}).
 * Every member but {@code limit} may be null (no filter).
 *
 * @param since        lines recorded at or after this instant
 * @param until        lines recorded before this instant
 * @param invocationId the lines of this call only
 * @param provider     the lines of calls this provider ran (an address, compared without regard to case)
 * @param contains     lines containing this text, as written (case-sensitive, no wildcards)
 * @param limit        at most this many lines (at least 1)
 * @param after        the {@code seq} of the last line the reader has: lines after it in record order
 */
public record LogQuery(Instant since, Instant until, UUID invocationId, String provider, String contains, long limit,
        Long after) {

    public LogQuery {
        if (limit < 1) {
            throw new InvalidLogQueryException("limit", String.valueOf(limit), "limit must be at least 1");
        }
        if (after != null && after < 0) {
            throw new InvalidLogQueryException("after", String.valueOf(after), "a cursor is a line's seq, never negative");
        }
        if (since != null && until != null && until.isBefore(since)) {
            throw new InvalidLogQueryException("until", until.toString(), "until " + until + " is before since " + since);
        }
        if (contains != null && contains.isEmpty()) {
            contains = null;
        }
    }

    /** A parameter of a log query that cannot be used (400 {@code invalid-log-query}); nothing is read. */
    public static final class InvalidLogQueryException extends cloud.agora.support.problem.ProblemException {
        public InvalidLogQueryException(String parameter, String value, String detail) {
            super(400, "invalid-log-query", "Invalid log query", detail, Map.of("parameter", parameter,
                    "value", value == null ? "" : value));
        }
    }
}
