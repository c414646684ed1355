package cloud.agora.protocol.reputation;

import cloud.agora.protocol.eth.Address;
import java.time.Instant;

/**
 * A provider's reputation over one window, with the counts behind every figure, so that anyone can recompute the score
 * from them ({@code formula} says how; the marketplace README explains each term).
 *
 * @param score                0 (worst) to 1000 (no evidence against the provider)
 * @param overheadTargetMillis the overhead p95 at or below which speed costs the provider nothing
 * @param formula              the score's formula, with this window's values
 */
public record ReputationView(Address provider, Instant from, Instant to, int score, Calls calls, Latency latency,
        ColdStarts coldStarts, Audits audits, Uptime uptime, LeasesEnded leasesEnded, Disputes disputes,
        long overheadTargetMillis, String formula) {

    /**
     * The calls gateways sent to the provider ({@link CallObservations}), summed over the window.
     *
     * @param failedOnProvider {@code agentErrors + timeouts + unreachable}
     * @param failureRate      {@code failedOnProvider / total}, 0 without calls
     */
    public record Calls(long total, long answered, long functionFailures, long agentErrors, long timeouts,
            long unreachable, long failedOnProvider, double failureRate) {
    }

    /**
     * Gateway-observed latency of answered calls and the provider's overhead (latency minus the receipt's wall time),
     * percentiles as {@link LatencyHistogram#percentile} reads them from the histograms given.
     */
    public record Latency(long samples, Long p50Millis, Long p95Millis, Long p99Millis, LatencyHistogram histogram,
            long overheadSamples, Long overheadP50Millis, Long overheadP95Millis, LatencyHistogram overheadHistogram) {
    }

    /** Calls answered from a container started for them, and their latency. */
    public record ColdStarts(long count, Long p50Millis, Long p95Millis, LatencyHistogram histogram) {
    }

    /**
     * Storage audits of the provider's replicas by storage gateways.
     *
     * @param passRate {@code passed / (passed + failed)}, 1 without audits
     */
    public record Audits(long passed, long failed, double passRate) {
    }

    /**
     * How long the provider went unheard: every silence between its heartbeats beyond the heartbeat timeout, and the
     * one going on now.
     *
     * @param observedSeconds the window's part since the provider registered
     * @param ratio           {@code 1 − downSeconds / observedSeconds}, 1 when nothing was observed yet
     */
    public record Uptime(long downSeconds, long observedSeconds, double ratio) {
    }

    /**
     * Leases of the provider that ended in the window, by who ended them and why, and those it holds now.
     *
     * @param byDeveloper          closed by their owner for any other reason (neutral)
     * @param byProvider           closed by the provider (against)
     * @param auditFailed          closed by a storage gateway after a failed audit (against)
     * @param unreachableClaimed   closed by their owner as {@code provider-unreachable}
     * @param unreachableCounted   of those, how many count against: at most the calls gateways saw unreachable
     * @param otherByBroker        closed by a storage gateway for any other reason (neutral)
     * @param activeNow            leases the provider holds now
     */
    public record LeasesEnded(long byDeveloper, long byProvider, long auditFailed, long unreachableClaimed,
            long unreachableCounted, long otherByBroker, long activeNow) {

        public long total() {
            return byDeveloper + byProvider + auditFailed + unreachableClaimed + otherByBroker;
        }

        public long against() {
            return byProvider + auditFailed + unreachableCounted;
        }
    }

    /**
     * Disputes over the provider's charges that billing decided ({@code DisputeDecided} on
     * {@code billing.disputes.v1}), summed over the window by when they were decided.
     *
     * @param upheld   decided for the developer: the charge was refunded (against the provider)
     * @param rejected decided for the provider: the charge stands (for it)
     * @param prior    the rejected disputes every provider starts with, so that one upheld dispute among none does not
     *                 ruin it
     * @param factor   {@code (rejected + prior) / (rejected + upheld + prior)}, 1 without upheld disputes
     */
    public record Disputes(long upheld, long rejected, long prior, double factor) {
    }
}
