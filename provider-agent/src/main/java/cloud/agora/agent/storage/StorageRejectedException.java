package cloud.agora.agent.storage;

import cloud.agora.agent.problem.RejectedException;
import java.util.UUID;

/** A storage request the agent refuses; becomes an RFC 9457 problem naming the lease and changes nothing. */
public class StorageRejectedException extends RejectedException {

    public StorageRejectedException(int status, String slug, String title, String detail, UUID leaseId) {
        super(status, slug, title, detail, leaseId);
    }

    public UUID leaseId() {
        return id();
    }
}
