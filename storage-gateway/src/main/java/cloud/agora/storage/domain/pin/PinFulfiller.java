package cloud.agora.storage.domain.pin;

import cloud.agora.protocol.eth.Address;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.ContentBackend;
import cloud.agora.storage.domain.StorageMeters;
import cloud.agora.storage.domain.replica.Replica;
import cloud.agora.storage.domain.replica.ReplicationException;
import cloud.agora.storage.domain.replica.Replicator;
import cloud.agora.ipld.Cid;
import cloud.agora.storage.persistence.PinRepository;
import cloud.agora.support.problem.ProblemException;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.work.SerialWorker;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Works queued pin requests off: claims them (queued → pinning) in a short transaction, asks the
 * backend to pin outside any transaction (Kubo may fetch from the network for minutes), then
 * records pinned or failed (with {@code info.status_details}) in another. A request whose
 * {@code meta.replication} (or {@code agora.storage.replication.default-replicas}) asks for N
 * provider replicas is pinned only once N replicas paid by its owner hold every block ({@code info.replicas},
 * {@code info.providers}: the owner's replicas); when that fails it is failed with the reason. One round at a time
 * ({@link SerialWorker} on the worker pool, nudged when a request is queued and every
 * {@code agora.storage.pins.worker-interval}; started at the service's start, stopped at its shutdown); requests
 * stuck in pinning after a crash are claimed again after {@link #STALE}.
 */
@ApplicationScoped
public class PinFulfiller {

    private static final Logger LOG = Logger.getLogger(PinFulfiller.class);
    static final Duration STALE = Duration.ofMinutes(10);

    private final Transactions tx;
    private final PinRepository pins;
    private final ContentBackend backend;
    private final Clock clock;
    private final SerialWorker worker = new SerialWorker("pin fulfiller", this::work);

    private final Replicator replicator;
    private final int defaultReplicas;
    private final StorageMeters meters;

    public PinFulfiller(Transactions tx, PinRepository pins, ContentBackend backend, Replicator replicator,
            StorageConfig config, Clock clock, StorageMeters meters) {
        this.meters = meters;
        this.tx = tx;
        this.pins = pins;
        this.backend = backend;
        this.replicator = replicator;
        this.defaultReplicas = config.replication().defaultReplicas();
        this.clock = clock;
    }

    /** Asks for a round soon (after a request was queued). Never blocks. */
    public void nudge() {
        worker.nudge();
    }

    @Scheduled(every = "${agora.storage.pins.worker-interval:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        nudge();
    }

    void start(@Observes StartupEvent event) {
        worker.start();
    }

    /**
     * Stops the rounds: the round in flight gets {@link #STOP_GRACE} to end, then is interrupted (a request it had
     * claimed stays pinning and is claimed again after {@link #STALE}).
     */
    void stop(@Observes ShutdownEvent event) {
        worker.stop(STOP_GRACE);
    }

    static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private void work() {
        try {
            List<PinRepository.Claim> claims;
            do {
                Instant now = clock.instant();
                claims = tx.inTransaction(c -> pins.claim(c, 8, now, now.minus(STALE)));
                for (PinRepository.Claim claim : claims) {
                    fulfil(claim);
                }
            } while (!claims.isEmpty());
        } catch (RuntimeException e) {
            LOG.warnf(e, "pin round failed; retrying at the next one");
        }
    }

    private void fulfil(PinRepository.Claim claim) {
        PinState outcome;
        Map<String, String> info;
        try {
            backend.pin(claim.cid());
            int wanted = tx.read(c -> pins.replicationWanted(c, claim.cid(), claim.owner(), defaultReplicas));
            if (wanted > 0) {
                List<Replica> replicas = replicator.ensure(claim.cid(), claim.owner(), wanted);
                info = Map.of("replicas", String.valueOf(replicas.size()), "providers",
                        String.join(",", replicas.stream().map(r -> r.lease().provider()).toList()));
            } else {
                info = Map.of();
            }
            outcome = PinState.PINNED;
        } catch (ReplicationException e) {
            LOG.warnf("replicating %s failed: %s", claim.cid(), e.getMessage());
            outcome = PinState.FAILED;
            info = Map.of("status_details", "replication on storage providers failed: " + e.getMessage());
        } catch (ProblemException e) {
            outcome = PinState.FAILED;
            info = Map.of("status_details", e.getMessage());
        } catch (Exception e) {
            LOG.warnf(e, "pinning %s failed", claim.cid());
            outcome = PinState.FAILED;
            info = Map.of("status_details", "the storage backend failed: " + e.getMessage());
        }
        PinState state = outcome;
        Map<String, String> details = info;
        boolean recorded = tx.inTransaction(c -> pins.settle(c, claim.requestId(), state, details, clock.instant()));
        if (recorded) {
            meters.pinSettled(state);
        }
        if (!recorded || state == PinState.FAILED) {
            release(claim.cid(), claim.owner());
        }
        if (claim.replacedCid() != null) {
            release(claim.replacedCid(), claim.owner());
        }
    }

    /**
     * After a request of {@code owner} for {@code cid} went (removed, replaced or failed): unpins {@code cid} in the
     * backend and deletes every replica of it unless a pin request still needs it, and otherwise deletes
     * {@code owner}'s replicas of it (which {@code owner} pays for) unless one of its requests still wants replicas.
     */
    public void release(Cid cid, Address owner) {
        try {
            if (!tx.inTransaction(c -> pins.referenced(c, cid))) {
                backend.unpin(cid);
                replicator.release(cid);
            } else if (!tx.read(c -> pins.replicasNeeded(c, cid, owner, defaultReplicas))) {
                replicator.release(cid, owner);
            }
        } catch (Exception e) {
            LOG.warnf(e, "could not release %s in the %s backend", cid, backend.name());
        }
    }

}
