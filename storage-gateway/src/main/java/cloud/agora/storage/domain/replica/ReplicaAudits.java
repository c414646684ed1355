package cloud.agora.storage.domain.replica;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.eth.Address;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.StorageMeters;
import cloud.agora.storage.persistence.PinRepository;
import cloud.agora.storage.persistence.ReplicaRepository;
import cloud.agora.support.jdbc.Transactions;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import cloud.agora.protocol.reputation.AuditReport;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The audit round, every {@code agora.storage.replication.audit-interval}: challenges each
 * active replica once and, when it passes, witnesses the storage periods it held since the last witness
 * ({@link PeriodWitnesser}); then repairs, per (DAG, payer), every account whose live pin requests want more active
 * replicas than it has (new leases it pays for, their blocks sealed from the gateway's store), and retires the DAG's
 * replicas from before replicas were paid or sealed once an account has its own.
 * Every audit is reported to the marketplace ({@link StorageMarket#reportAudits}) as evidence of the provider's
 * reputation. Rounds are a {@code quarkus-scheduler} job run on the worker pool; a round that is still running when
 * the next is due is skipped. The scheduler starts them with the service; at shutdown the round in flight stops
 * before its next replica or repair.
 */
@ApplicationScoped
public class ReplicaAudits {

    private static final Logger LOG = Logger.getLogger(ReplicaAudits.class);

    private final ReplicaAuditor auditor;
    private final PeriodWitnesser witnesser;
    private final Replicator replicator;
    private final ReplicaRepository replicas;
    private final PinRepository pins;
    private final Transactions tx;
    private final int defaultReplicas;
    private volatile boolean stopping;
    private final StorageMarket market;
    private final Clock clock;
    /** Audits run and not reported yet (rounds may run at once in tests: guarded by itself). */
    private final List<AuditReport.Audit> unreported = new ArrayList<>();
    static final int REPORT_BATCH = 500;
    static final int MAX_UNREPORTED = 10_000;

    private final StorageMeters meters;

    public ReplicaAudits(ReplicaAuditor auditor, PeriodWitnesser witnesser, Replicator replicator,
            ReplicaRepository replicas, PinRepository pins, Transactions tx, StorageConfig config, StorageMarket market,
            Clock clock, StorageMeters meters) {
        this.meters = meters;
        this.market = market;
        this.clock = clock;
        this.auditor = auditor;
        this.witnesser = witnesser;
        this.replicator = replicator;
        this.replicas = replicas;
        this.pins = pins;
        this.tx = tx;
        this.defaultReplicas = config.replication().defaultReplicas();
    }

    @Scheduled(every = "${agora.storage.replication.audit-interval:60s}", delayed = "${agora.storage.replication.audit-interval:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            round();
        } catch (RuntimeException e) {
            LOG.warnf(e, "audit round failed; retrying at the next one");
        }
    }

    /** Ends the round in flight before its next replica or repair (the scheduler starts no new one). */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /**
     * One round: audit every active replica (witnessing the periods of those that pass), then repair.
     *
     * @return how many replicas failed their audit
     */
    public int round() {
        int failed = 0;
        Set<Cid> roots = new LinkedHashSet<>();
        for (Replica replica : tx.read(c -> replicas.inState(c, Replica.State.ACTIVE))) {
            if (stopping) {
                return failed;
            }
            roots.add(replica.root());
            boolean passed = auditor.audit(replica);
            synchronized (unreported) {
                unreported.add(new AuditReport.Audit(UUID.randomUUID(), replica.lease().leaseId(), passed,
                        clock.instant(), passed ? null : "failed its audit"));
            }
            if (passed) {
                witnesser.witness(replica.lease().leaseId());
            } else {
                failed++;
            }
        }
        report();
        for (Replica replica : tx.read(c -> replicas.inState(c, Replica.State.FAILED))) {
            roots.add(replica.root());
        }
        for (Cid root : roots) {
            if (stopping) {
                return failed;
            }
            Map<Address, Integer> wanted = tx.read(c -> pins.replicationWantedByOwner(c, root, defaultReplicas));
            wanted.forEach((payer, n) -> {
                if (n > 0 && !replicator.settled(root, payer, n)) {
                    try {
                        replicator.ensure(root, payer, n);
                        meters.repaired(true);
                        LOG.infof("repaired %s for %s: %d healthy replicas again", root, payer, n);
                    } catch (RuntimeException e) {
                        meters.repaired(false);
                        LOG.warnf("repairing %s for %s failed (retried next round): %s", root, payer, e.getMessage());
                    }
                }
            });
        }
        return failed;
    }

    /**
     * Reports the audits not reported yet to the marketplace (the evidence of the providers' reputation), at most
     * {@value #REPORT_BATCH} at a time; what the marketplace does not take now waits for the next round, the oldest
     * dropped beyond {@value #MAX_UNREPORTED}.
     */
    private void report() {
        synchronized (unreported) {
            reportUnreported();
        }
    }

    private void reportUnreported() {
        while (unreported.size() > MAX_UNREPORTED) {
            unreported.remove(0);
        }
        while (!unreported.isEmpty()) {
            List<AuditReport.Audit> batch = List.copyOf(unreported.subList(0, Math.min(REPORT_BATCH, unreported.size())));
            try {
                market.reportAudits(batch);
            } catch (RuntimeException e) {
                LOG.warnf("%d audits not reported to the marketplace yet (again next round): %s", unreported.size(),
                        e.getMessage());
                return;
            }
            unreported.subList(0, batch.size()).clear();
        }
    }
}
