package cloud.agora.storage.domain.replica;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.reputation.AuditReport;
import java.util.List;
import java.util.UUID;

/**
 * Port: buying and ending storage on the marketplace, signed in as the gateway. The gateway brokers the leases: the
 * account it buys them for owns them and pays for them; the gateway reads, cancels and closes them.
 */
public interface StorageMarket {

    /**
     * Places one {@code STORAGE} bid, paid by {@code payer}, for {@code replicas} replicas of {@code storageGiB} each
     * and waits until it is matched.
     *
     * @return one lease per replica, each on a distinct provider, each owned by {@code payer}
     * @throws ReplicationException when the bid is refused, does not match in time or the
     *                              marketplace cannot be reached (the open bid is cancelled)
     */
    List<StorageLease> buy(Address payer, int replicas, long storageGiB);

    /** Closes the lease (idempotent: a lease already closed is fine). */
    void close(UUID leaseId, String reason);

    /**
     * Reports audits the gateway ran, the evidence of the audited providers' reputation (each counted once by its id).
     *
     * @throws ReplicationException when the marketplace cannot be reached or refuses the report
     */
    void reportAudits(List<AuditReport.Audit> audits);
}
