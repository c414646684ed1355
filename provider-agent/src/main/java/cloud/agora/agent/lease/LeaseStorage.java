package cloud.agora.agent.lease;

import java.util.Set;
import java.util.UUID;

/** What reconciliation needs of the storage role: which leases hold data here, and dropping a lease's data. */
public interface LeaseStorage {

    /** No storage role (tests of compute only). */
    LeaseStorage NONE = new LeaseStorage() {
        @Override
        public Set<UUID> leasesPresent() {
            return Set.of();
        }

        @Override
        public void remove(UUID leaseId) {
        }
    };

    /** Leases with blocks stored on this host now. */
    Set<UUID> leasesPresent();

    /** Deletes every block of the lease (idempotent). */
    void remove(UUID leaseId);
}
