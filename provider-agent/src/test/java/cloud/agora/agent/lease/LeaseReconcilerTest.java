package cloud.agora.agent.lease;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.agent.runtime.WorkloadRuntime;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.ProviderRegistration;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.testsupport.ManualClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reconciliation logic, isolated with a scripted marketplace and a recording runtime. */
class LeaseReconcilerTest {

    static final Address PROVIDER = Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    static final Address OWNER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    final FakeMarketplace market = new FakeMarketplace();
    final RecordingRuntime runtime = new RecordingRuntime();
    final LeaseBook book = new LeaseBook();
    final LeaseReconciler reconciler = new LeaseReconciler(market, runtime, book, 64, Duration.ofSeconds(30));

    static LeaseView lease(UUID id, LeaseState state) {
        Prices prices = new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.ZERO);
        return new LeaseView(id, UUID.randomUUID(), OWNER, PROVIDER, "http://agent", BidKind.COMPUTE,
                new Resources(500, 128, 0), prices, state, Instant.now(), null, null, null);
    }

    @Test
    void workloadsFollowLeasesAppearingAndClosing() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        market.put(lease(a, LeaseState.ACTIVE));
        market.put(lease(b, LeaseState.ACTIVE));
        assertThat(reconciler.resync()).isTrue();
        assertThat(runtime.present).containsExactlyInAnyOrder(a, b);
        assertThat(book.find(a)).isPresent();
        assertThat(runtime.prepared.get(a).limits().memoryMiB()).isEqualTo(128);
        assertThat(runtime.prepared.get(a).limits().cpuMillis()).isEqualTo(500);

        market.put(lease(b, LeaseState.CLOSED));
        reconciler.resync();
        assertThat(runtime.present).containsExactly(a);
        assertThat(book.find(b)).isEmpty();
    }

    @Test
    void storageLeasesGetNoContainersAndTheirBlocksGoWhenTheyAreNoLongerActive() {
        Set<UUID> stored = new HashSet<>();
        LeaseStorage storage = new LeaseStorage() {
            @Override
            public Set<UUID> leasesPresent() {
                return Set.copyOf(stored);
            }

            @Override
            public void remove(UUID leaseId) {
                stored.remove(leaseId);
            }
        };
        LeaseReconciler withStorage = new LeaseReconciler(market, runtime, storage, book, 64, Duration.ofSeconds(30), null,
                LeaseReconciler.NO_LIMIT, Clock.systemUTC());
        UUID kept = UUID.randomUUID();
        UUID closed = UUID.randomUUID();
        UUID orphan = UUID.randomUUID();
        Prices prices = new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.of(1));
        for (UUID id : List.of(kept, closed)) {
            market.put(new LeaseView(id, UUID.randomUUID(), OWNER, PROVIDER, "http://agent", BidKind.STORAGE,
                    new Resources(0, 0, 1), prices, LeaseState.ACTIVE, Instant.now(), null, null, null));
        }
        stored.addAll(List.of(kept, closed, orphan));

        assertThat(withStorage.resync()).isTrue();
        assertThat(runtime.prepared).isEmpty();
        assertThat(book.find(kept)).isPresent();
        assertThat(stored).containsExactlyInAnyOrder(kept, closed);

        market.put(new LeaseView(closed, UUID.randomUUID(), OWNER, PROVIDER, "http://agent", BidKind.STORAGE,
                new Resources(0, 0, 1), prices, LeaseState.CLOSED, Instant.now(), null, null, null));
        withStorage.resync();
        assertThat(stored).containsExactly(kept);
    }

    @Test
    void streamEventsApplyBeforeTheNextResync() {
        UUID a = UUID.randomUUID();
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, lease(a, LeaseState.ACTIVE)));
        assertThat(runtime.present).containsExactly(a);
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CLOSED, lease(a, LeaseState.CLOSED)));
        assertThat(runtime.present).isEmpty();
        assertThat(runtime.removed).containsExactly(a);
    }

    @Test
    void aMissedCloseEventIsRepairedByTheResync() {
        UUID a = UUID.randomUUID();
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, lease(a, LeaseState.ACTIVE)));
        // the close event is lost; the marketplace no longer lists the lease as active
        market.put(lease(a, LeaseState.CLOSED));
        reconciler.resync();
        assertThat(runtime.present).isEmpty();
    }

    @Test
    void afterARestartAdoptsActiveLeasesAndCleansContainersWithoutOne() {
        UUID kept = UUID.randomUUID();
        UUID orphan = UUID.randomUUID();
        runtime.present.addAll(List.of(kept, orphan)); // containers left by the previous run
        market.put(lease(kept, LeaseState.ACTIVE));

        reconciler.resync();

        assertThat(runtime.present).containsExactly(kept);
        assertThat(runtime.removed).containsExactly(orphan);
        assertThat(book.find(kept)).isPresent();
    }

    @Test
    void aMarketplaceOutageTearsNothingDown() {
        UUID a = UUID.randomUUID();
        market.put(lease(a, LeaseState.ACTIVE));
        reconciler.resync();

        market.down = true;
        for (int i = 0; i < 5; i++) {
            assertThat(reconciler.resync()).isFalse();
        }
        assertThat(reconciler.marketplaceReachable()).isFalse();
        assertThat(runtime.present).containsExactly(a);
        assertThat(runtime.removed).isEmpty();
        assertThat(book.find(a)).isPresent();

        market.down = false;
        assertThat(reconciler.resync()).isTrue();
        assertThat(runtime.present).containsExactly(a);
    }

    // --- offline: the leases kept for a restart while the marketplace is away

    @TempDir
    Path dir;

    LeaseReconciler offline(RecordingRuntime on, LeaseBook into, ManualClock clock) {
        return new LeaseReconciler(market, on, LeaseStorage.NONE, into, 64, Duration.ofSeconds(30),
                new SnapshotFile<>(dir.resolve("leases.json"), LeaseReconciler.LeaseSnapshot.class), Duration.ofHours(1), clock);
    }

    @Test
    void anAgentRestartedWhileTheMarketplaceIsAwayServesTheLeasesItLastHeardOf() {
        ManualClock clock = new ManualClock(Instant.parse("2026-06-01T12:00:00Z"));
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        market.put(lease(a, LeaseState.ACTIVE));
        market.put(lease(b, LeaseState.ACTIVE));
        LeaseReconciler first = offline(runtime, book, clock);
        assertThat(first.resync()).isTrue();
        market.put(lease(b, LeaseState.CLOSED));
        first.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CLOSED, lease(b, LeaseState.CLOSED)));

        market.down = true; // a new process, the marketplace unreachable
        RecordingRuntime restarted = new RecordingRuntime();
        LeaseBook restartedBook = new LeaseBook();
        clock.advance(Duration.ofMinutes(59));
        LeaseReconciler again = offline(restarted, restartedBook, clock);
        assertThat(again.restore()).isEqualTo(1);
        assertThat(restartedBook.find(a)).isPresent();
        assertThat(restartedBook.find(b)).as("closed before the restart").isEmpty();
        assertThat(restarted.prepared).containsOnlyKeys(a);
        assertThat(again.resync()).isFalse();
        assertThat(restartedBook.find(a)).as("served while within the offline limit").isPresent();

        clock.advance(Duration.ofMinutes(2));
        assertThat(again.resync()).isFalse();
        assertThat(restartedBook.all()).as("beyond the offline limit nothing is served").isEmpty();
        assertThat(restarted.removed).as("its workload stays for when the marketplace answers").isEmpty();

        market.down = false;
        assertThat(again.resync()).isTrue();
        assertThat(restartedBook.find(a)).isPresent();
    }

    @Test
    void leasesKeptLongerThanTheOfflineLimitAreNotServedAfterARestart() {
        ManualClock clock = new ManualClock(Instant.parse("2026-06-01T12:00:00Z"));
        UUID a = UUID.randomUUID();
        market.put(lease(a, LeaseState.ACTIVE));
        offline(runtime, book, clock).resync();
        clock.advance(Duration.ofMinutes(61));
        LeaseBook restartedBook = new LeaseBook();
        assertThat(offline(new RecordingRuntime(), restartedBook, clock).restore()).isZero();
        assertThat(restartedBook.all()).isEmpty();
    }

    static final class FakeMarketplace implements Marketplace {
        final Map<UUID, LeaseView> leases = new LinkedHashMap<>();
        boolean down;

        void put(LeaseView lease) {
            leases.put(lease.id(), lease);
        }

        @Override
        public void register(ProviderRegistration registration) {
        }

        @Override
        public void publishOffer(OfferSpec offer) {
        }

        @Override
        public void heartbeat(Heartbeat heartbeat) {
        }

        @Override
        public List<LeaseView> leases() {
            if (down) {
                throw new MarketplaceUnavailableException("connection refused", null);
            }
            return new ArrayList<>(leases.values());
        }

        @Override
        public AutoCloseable follow(Consumer<LeaseEvent> events) {
            return () -> { };
        }
    }

    static final class RecordingRuntime implements WorkloadRuntime {
        final Set<UUID> present = new HashSet<>();
        final Map<UUID, Workload> prepared = new LinkedHashMap<>();
        final List<UUID> removed = new ArrayList<>();

        @Override
        public String driver() {
            return "recording";
        }

        @Override
        public void prepare(Workload workload) {
            prepared.put(workload.leaseId(), workload);
            present.add(workload.leaseId());
        }

        @Override
        public InvocationResult invoke(Workload workload, FunctionSpec function, InvocationRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void remove(UUID leaseId) {
            if (present.remove(leaseId)) {
                removed.add(leaseId);
            }
        }

        @Override
        public Set<UUID> leasesPresent() {
            return Set.copyOf(present);
        }

        @Override
        public void close() {
        }
    }
}
