package cloud.agora.agent.problem;

import java.util.UUID;

/**
 * A request the agent refuses before changing anything; the API turns it into an RFC 9457 problem
 * ({@code urn:agora:problem:<slug>}) with the id it concerns. The agent's own base type because it does
 * not depend on service-support (which would force a datasource on it).
 */
public abstract class RejectedException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final UUID id;

    protected RejectedException(int status, String slug, String title, String detail, UUID id) {
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

    /** The invocation or lease the refusal concerns, or null. */
    public UUID id() {
        return id;
    }
}
