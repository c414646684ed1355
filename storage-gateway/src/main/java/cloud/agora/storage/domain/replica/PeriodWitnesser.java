package cloud.agora.storage.domain.replica;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.usage.StoragePeriods;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.StorageMeters;
import cloud.agora.storage.persistence.ReplicaRepository;
import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Witnesses the storage periods a replica held, so its provider is paid for them by the replica's payer: the periods
 * of its lease ({@link StoragePeriods}, {@code agora.storage.replication.storage-period}) that ended by the last
 * audit the replica passed and were not witnessed yet — from the period containing the replica's creation on —
 * each as {@link StoragePeriods#receipt} (lease, provider, consumer = the payer) counter-signed with the gateway's key,
 * handed to the lease's agent ({@link StorageProviders#witness}), which signs them and ships them to billing.
 *
 * <p>Rules: a period is witnessed only after it ended and the replica then passed an audit (so the periods between
 * its last passed audit and a failed one are never witnessed, nor any after); at most once by this gateway (its
 * mark, {@code replicas.witnessed_until}, advances only when the agent took the periods, and one witnessing runs at a
 * time; the agent and billing also deduplicate by period id); at most {@link #MAX_PERIODS_PER_CALL} per call, oldest
 * first, so a replica that was not audited for a long time catches up over several audits. A replica the gateway
 * paid for itself (no payer) is never witnessed. When the agent does not take them, nothing is recorded and the
 * same periods are offered again after the next passed audit.
 */
@ApplicationScoped
public class PeriodWitnesser {

    private static final Logger LOG = Logger.getLogger(PeriodWitnesser.class);
    /** The most periods handed to an agent in one call (the size of the agents' receipt batches). */
    public static final int MAX_PERIODS_PER_CALL = 500;

    private final StorageProviders providers;
    private final GatewayWitness witness;
    private final ReplicaRepository replicas;
    private final Transactions tx;
    private final Duration period;
    private final StorageMeters meters;

    public PeriodWitnesser(StorageProviders providers, GatewayWitness witness, ReplicaRepository replicas,
            Transactions tx, StorageConfig config, StorageMeters meters) {
        this.meters = meters;
        this.providers = providers;
        this.witness = witness;
        this.replicas = replicas;
        this.tx = tx;
        this.period = config.replication().storagePeriod();
    }

    /**
     * Witnesses the periods of the lease's replica that ended by its last passed audit and were not witnessed yet
     * (call it right after the replica passed one).
     *
     * @return how many periods the agent was handed and took (0 when none was due, the replica is not active or has
     *         no payer, or the agent did not take them)
     */
    public synchronized int witness(UUID leaseId) {
        Replica replica = tx.read(c -> replicas.ofLease(c, leaseId)).orElse(null);
        if (replica == null || !replica.paid() || replica.state() != Replica.State.ACTIVE || replica.audited() == null) {
            return 0;
        }
        Instant from = replica.witnessedUntil() != null ? replica.witnessedUntil() : replica.created();
        List<Instant> starts = StoragePeriods.endedBetween(from, replica.audited(), period);
        if (starts.isEmpty()) {
            return 0;
        }
        if (starts.size() > MAX_PERIODS_PER_CALL) {
            starts = starts.subList(0, MAX_PERIODS_PER_CALL);
        }
        Address provider;
        try {
            provider = Address.parse(replica.lease().provider());
        } catch (RuntimeException e) {
            LOG.warnf("lease %s names no provider address (%s): its periods are not witnessed", leaseId,
                    replica.lease().provider());
            return 0;
        }
        List<StoragePeriods.Witnessed> periods = starts.stream()
                .map(start -> StoragePeriods.Witnessed.of(witness.counterSign(
                        StoragePeriods.receipt(leaseId, provider, replica.payer(), start, period))))
                .toList();
        int accepted;
        try {
            accepted = providers.witness(replica.lease(), periods);
        } catch (RuntimeException e) {
            LOG.warnf("the agent of provider %s did not take %d witnessed periods of lease %s (offered again after the "
                    + "next passed audit): %s", provider, periods.size(), leaseId, e.getMessage());
            return 0;
        }
        Instant until = starts.get(starts.size() - 1).plus(period);
        tx.inTransaction(c -> replicas.witnessed(c, leaseId, replica.witnessedUntil(), until));
        meters.witnessed(periods.size());
        LOG.debugf("witnessed %d periods of lease %s up to %s for %s (%d new to the agent)", periods.size(), leaseId,
                until, replica.payer(), accepted);
        return periods.size();
    }
}
