package cloud.agora.agent.invocation;

import java.util.UUID;

/** A call the agent refuses before running anything; becomes an RFC 9457 problem. */
public class InvocationRejectedException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final UUID id;

    public InvocationRejectedException(int status, String slug, String title, String detail, UUID id) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.id = id;
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

    public UUID id() {
        return id;
    }
}
