package cloud.agora.support.problem;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A domain exception that the client caused or must know about: it becomes an RFC 9457
 * problem response with a stable {@code type}. Each module's domain exceptions extend it
 * ({@code BidNotFoundException}, ...); the ids involved travel as extension members.
 */
public abstract class ProblemException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final Map<String, Object> ids;

    /**
     * @param status the HTTP status
     * @param slug   the stable problem kind (becomes {@code urn:agora:problem:<slug>})
     * @param title  a short, fixed summary of the kind
     * @param detail what happened this time, for humans
     * @param ids    the ids involved (bid, lease, address, ...), as extension members
     */
    protected ProblemException(int status, String slug, String title, String detail, Map<String, ?> ids) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.ids = new LinkedHashMap<>(ids);
    }

    public int status() {
        return status;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public Map<String, Object> ids() {
        return ids;
    }

    /** When the client may try again, sent as {@code Retry-After} (whole seconds, at least 1); none by default. */
    public Optional<Duration> retryAfter() {
        return Optional.empty();
    }
}
