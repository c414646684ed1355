package cloud.agora.agent.storage;

import java.util.UUID;

/** A storage request the agent refuses; becomes an RFC 9457 problem and changes nothing. */
public class StorageRejectedException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final UUID leaseId;

    public StorageRejectedException(int status, String slug, String title, String detail, UUID leaseId) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.leaseId = leaseId;
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

    public UUID leaseId() {
        return leaseId;
    }
}
