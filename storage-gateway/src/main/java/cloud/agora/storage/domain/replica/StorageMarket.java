package cloud.agora.storage.domain.replica;

import java.util.List;
import java.util.UUID;

/** Port: buying and ending storage on the marketplace, signed in as the gateway. */
public interface StorageMarket {

    /**
     * Places one {@code STORAGE} bid for {@code replicas} replicas of {@code storageGiB} each and
     * waits until it is matched.
     *
     * @return one lease per replica, each on a distinct provider
     * @throws ReplicationException when the bid is refused, does not match in time or the
     *                              marketplace cannot be reached (the open bid is cancelled)
     */
    List<StorageLease> buy(int replicas, long storageGiB);

    /** Closes the lease (idempotent: a lease already closed is fine). */
    void close(UUID leaseId, String reason);
}
