package cloud.agora.support.writer;

import cloud.agora.support.problem.ProblemException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * This instance is not the writer of its service (another instance is, or the database is out of reach): a write is
 * refused with 503 {@code not-the-writer} and {@code Retry-After}, and nothing was changed.
 */
public class NotTheWriterException extends ProblemException {

    private final Duration retryAfter;

    public NotTheWriterException(String name, String detail, Duration retryAfter) {
        super(503, "not-the-writer", "Not the writer", detail, Map.of("writer", name));
        this.retryAfter = retryAfter;
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.of(retryAfter);
    }
}
