package cloud.agora.agent.lease;

import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.agent.runtime.WorkloadRuntime;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Converges the host's workloads to the provider's active leases. The full list from the
 * marketplace is the truth ({@link #resync}); stream events only speed things up. When the
 * marketplace cannot be reached nothing is torn down: running workloads keep serving their
 * leases until the marketplace says a lease is closed. Containers with no active lease (left by
 * an earlier run, or of a lease closed meanwhile) are removed.
 *
 * <p>The single owner of the {@link LeaseBook}: every change is serialised here.
 */
public final class LeaseReconciler {

    private static final Logger LOG = Logger.getLogger(LeaseReconciler.class);

    private final Marketplace marketplace;
    private final WorkloadRuntime runtime;
    private final LeaseBook book;
    private final LeaseStorage storage;
    private final int pidsPerContainer;
    private final Duration defaultTimeout;
    private boolean reachable = true;

    public LeaseReconciler(Marketplace marketplace, WorkloadRuntime runtime, LeaseBook book, int pidsPerContainer,
            Duration defaultTimeout) {
        this(marketplace, runtime, LeaseStorage.NONE, book, pidsPerContainer, defaultTimeout);
    }

    /** With the storage role: blocks of storage leases that closed (or are unknown) are deleted too. */
    public LeaseReconciler(Marketplace marketplace, WorkloadRuntime runtime, LeaseStorage storage, LeaseBook book,
            int pidsPerContainer, Duration defaultTimeout) {
        this.marketplace = marketplace;
        this.runtime = runtime;
        this.storage = storage;
        this.book = book;
        this.pidsPerContainer = pidsPerContainer;
        this.defaultTimeout = defaultTimeout;
    }

    /**
     * Fetches every lease and converges. Returns false (changing nothing) when the marketplace
     * is unavailable.
     */
    public synchronized boolean resync() {
        List<LeaseView> leases;
        try {
            leases = marketplace.leases();
        } catch (MarketplaceUnavailableException e) {
            if (reachable) {
                LOG.warnf("marketplace unavailable, keeping %d workloads as they are: %s", book.all().size(), e.getMessage());
            }
            reachable = false;
            return false;
        }
        reachable = true;
        Set<UUID> desired = new HashSet<>();
        for (LeaseView lease : leases) {
            if (lease.state() == LeaseState.ACTIVE) {
                desired.add(lease.id());
                admit(lease);
            }
        }
        for (LeaseView held : book.all()) {
            if (!desired.contains(held.id())) {
                release(held.id());
            }
        }
        for (UUID present : runtime.leasesPresent()) {
            if (!desired.contains(present)) {
                LOG.infof("removing containers of lease %s: not an active lease of this provider", present);
                runtime.remove(present);
            }
        }
        for (UUID stored : storage.leasesPresent()) {
            if (!desired.contains(stored)) {
                LOG.infof("deleting blocks of lease %s: not an active lease of this provider", stored);
                storage.remove(stored);
            }
        }
        return true;
    }

    /** Applies one stream event. */
    public synchronized void apply(Marketplace.LeaseEvent event) {
        if (MarketEvents.LEASE_CREATED.equals(event.type()) && event.lease().state() == LeaseState.ACTIVE) {
            admit(event.lease());
        } else if (MarketEvents.LEASE_CLOSED.equals(event.type()) || event.lease().state() == LeaseState.CLOSED) {
            release(event.lease().id());
        }
    }

    /** Whether the last attempt to reach the marketplace worked. */
    public synchronized boolean marketplaceReachable() {
        return reachable;
    }

    /** The workload a lease runs: its resources as limits. */
    public Workload workloadOf(LeaseView lease) {
        return new Workload(lease.id(), lease.owner(), new Limits(Math.toIntExact(lease.resources().memoryMiB()), Math.toIntExact(lease.resources().cpuMillis()),
                pidsPerContainer, defaultTimeout));
    }

    private void admit(LeaseView lease) {
        if (!book.holds(lease.id()) && lease.kind() != BidKind.STORAGE) {
            LOG.infof("lease %s active: preparing its workload", lease.id());
            runtime.prepare(workloadOf(lease));
        }
        book.put(lease);
    }

    private void release(UUID leaseId) {
        LOG.infof("lease %s closed: removing its workload", leaseId);
        runtime.remove(leaseId);
        storage.remove(leaseId);
        book.remove(leaseId);
    }
}
