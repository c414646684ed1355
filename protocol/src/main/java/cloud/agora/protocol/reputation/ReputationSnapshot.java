package cloud.agora.protocol.reputation;

import java.time.Instant;
import java.util.List;

/**
 * Every provider's reputation at one moment, with the evidence it sums: per provider the {@link ReputationView} and the
 * hourly counts behind it. The marketplace publishes one periodically as a JSON document addressed by its CID (the
 * CIDv1 {@code ipfs add --cid-version=1 --raw-leaves} gives its bytes), so that anyone can fetch it, check it is the
 * document named, add the hours up and recompute every score by the formula.
 *
 * @param heartbeatTimeoutMillis the silence a provider kept without counting as down (the uptime term)
 */
public record ReputationSnapshot(Instant generatedAt, Instant from, Instant to, long overheadTargetMillis,
        long heartbeatTimeoutMillis, String formula, List<Provider> providers) {

    public ReputationSnapshot {
        providers = providers == null ? List.of() : List.copyOf(providers);
    }

    /** One provider: its reputation and the hours of evidence it sums. */
    public record Provider(ReputationView view, List<Hour> hours) {

        public Provider {
            hours = hours == null ? List.of() : List.copyOf(hours);
        }
    }

    /** The evidence of one provider in one UTC hour (the names are {@link ReputationView}'s). */
    public record Hour(Instant hour, long calls, long answered, long functionFailures, long agentErrors, long timeouts,
            long unreachable, LatencyHistogram latency, LatencyHistogram overhead, long coldStarts,
            LatencyHistogram coldStart, long auditsPassed, long auditsFailed, long downMillis, long leasesByDeveloper,
            long leasesByProvider, long leasesAuditFailed, long leasesUnreachable, long leasesOtherByBroker,
            long disputesUpheld, long disputesRejected) {
    }

    /** A published snapshot as listed. */
    public record Published(String cid, Instant generatedAt, long bytes) {
    }
}
