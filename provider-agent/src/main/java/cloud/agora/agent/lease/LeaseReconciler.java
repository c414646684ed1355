package cloud.agora.agent.lease;

import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.agent.runtime.WorkloadRuntime;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
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
 * <p><b>Offline.</b> The leases as last heard from the marketplace are kept in a {@link SnapshotFile} with the time
 * of the last full list ({@link LeaseSnapshot}). An agent that starts while the marketplace cannot be reached serves
 * them ({@link #restore}), and keeps serving its leases while the marketplace stays away, for at most
 * {@code offlineLimit} after that last list: beyond it the leases leave the book (calls get {@code lease-not-held};
 * the workloads stay) until the marketplace answers again. Calls still need a trusted gateway's grant naming the
 * lease, so the snapshot lets the agent serve only what the platform still routes to it.
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
    /** An offline limit never reached. */
    public static final Duration NO_LIMIT = Duration.ofDays(365_000);

    private final SnapshotFile<LeaseSnapshot> snapshot;
    private final Duration offlineLimit;
    private final Clock clock;
    private boolean reachable = true;
    /** When the marketplace last gave the full list (null: never, in this run or the snapshot's). */
    private Instant confirmedAt;

    /** The leases as last heard from the marketplace, and when it last gave the full list. */
    public record LeaseSnapshot(Instant confirmedAt, List<LeaseView> leases) {
    }

    public LeaseReconciler(Marketplace marketplace, WorkloadRuntime runtime, LeaseBook book, int pidsPerContainer,
            Duration defaultTimeout) {
        this(marketplace, runtime, LeaseStorage.NONE, book, pidsPerContainer, defaultTimeout, null, NO_LIMIT,
                Clock.systemUTC());
    }

    /**
     * With the storage role (blocks of storage leases that closed, or are unknown, are deleted too) and a snapshot of the
     * leases (null: none) served for at most {@code offlineLimit} after the marketplace's last full list.
     */
    public LeaseReconciler(Marketplace marketplace, WorkloadRuntime runtime, LeaseStorage storage, LeaseBook book,
            int pidsPerContainer, Duration defaultTimeout, SnapshotFile<LeaseSnapshot> snapshot, Duration offlineLimit,
            Clock clock) {
        this.marketplace = marketplace;
        this.runtime = runtime;
        this.storage = storage;
        this.book = book;
        this.pidsPerContainer = pidsPerContainer;
        this.defaultTimeout = defaultTimeout;
        this.snapshot = snapshot;
        this.offlineLimit = offlineLimit;
        this.clock = clock;
    }

    /**
     * Serves the snapshot's leases (preparing their workloads) when the marketplace's list in it is within the offline
     * limit; the next {@link #resync} that reaches the marketplace corrects it.
     *
     * @return how many leases were restored
     */
    public synchronized int restore() {
        if (snapshot == null) {
            return 0;
        }
        Optional<LeaseSnapshot> kept = snapshot.read();
        if (kept.isEmpty() || kept.get().confirmedAt() == null) {
            return 0;
        }
        if (!withinOfflineLimit(kept.get().confirmedAt())) {
            LOG.warnf("not serving the %d leases kept from %s: older than the offline limit %s", kept.get().leases().size(),
                    kept.get().confirmedAt(), offlineLimit);
            return 0;
        }
        confirmedAt = kept.get().confirmedAt();
        kept.get().leases().stream().filter(l -> l.state() == LeaseState.ACTIVE).forEach(this::admit);
        LOG.infof("serving %d leases as the marketplace listed them at %s", book.all().size(), confirmedAt);
        return book.all().size();
    }

    private boolean withinOfflineLimit(Instant confirmed) {
        return !clock.instant().isAfter(confirmed.plus(offlineLimit));
    }

    private void keep() {
        if (snapshot != null && confirmedAt != null) {
            try {
                snapshot.write(new LeaseSnapshot(confirmedAt, List.copyOf(book.all())));
            } catch (RuntimeException e) {
                LOG.warnf("cannot keep the leases for a restart while the marketplace is away: %s", e.getMessage());
            }
        }
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
            if (!book.all().isEmpty() && confirmedAt != null && !withinOfflineLimit(confirmedAt)) {
                LOG.warnf("the marketplace has not listed the leases since %s (offline limit %s): serving none of the %d"
                        + " until it does", confirmedAt, offlineLimit, book.all().size());
                book.all().forEach(l -> book.remove(l.id()));
            }
            return false;
        }
        reachable = true;
        confirmedAt = clock.instant();
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
        keep();
        return true;
    }

    /** Applies one stream event. */
    public synchronized void apply(Marketplace.LeaseEvent event) {
        if (MarketEvents.LEASE_CREATED.equals(event.type()) && event.lease().state() == LeaseState.ACTIVE) {
            admit(event.lease());
        } else if (MarketEvents.LEASE_CLOSED.equals(event.type()) || event.lease().state() == LeaseState.CLOSED) {
            release(event.lease().id());
        }
        keep();
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
