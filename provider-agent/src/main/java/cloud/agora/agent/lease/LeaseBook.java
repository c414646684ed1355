package cloud.agora.agent.lease;

import cloud.agora.protocol.market.LeaseView;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The active leases this agent holds, as reconciliation last derived them. Written only by
 * {@link LeaseReconciler} (the single owner); read by everyone.
 */
public final class LeaseBook {

    private final Map<UUID, LeaseView> active = new ConcurrentHashMap<>();

    public Optional<LeaseView> find(UUID leaseId) {
        return Optional.ofNullable(active.get(leaseId));
    }

    public Collection<LeaseView> all() {
        return List.copyOf(active.values());
    }

    void put(LeaseView lease) {
        active.put(lease.id(), lease);
    }

    void remove(UUID leaseId) {
        active.remove(leaseId);
    }

    boolean holds(UUID leaseId) {
        return active.containsKey(leaseId);
    }
}
