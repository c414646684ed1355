package cloud.agora.marketplace.domain;

import cloud.agora.protocol.dispute.DisputeState;
import cloud.agora.protocol.reputation.CallObservations;
import cloud.agora.protocol.reputation.LatencyHistogram;

/**
 * Evidence of one provider's reputation, as counts that add up: what one event brings, or the sum over a window.
 * The columns of {@code reputation_hours}, one row per provider and UTC hour.
 */
public record ReputationFacts(long calls, long answered, long functionFailures, long agentErrors, long timeouts,
        long unreachable, LatencyHistogram latency, LatencyHistogram overhead, long coldStarts,
        LatencyHistogram coldStart, long auditsPassed, long auditsFailed, long downMillis, long leasesByDeveloper,
        long leasesByProvider, long leasesAuditFailed, long leasesUnreachable, long leasesOtherByBroker,
        long disputesUpheld, long disputesRejected) {

    /** The reason a lease owner gives when it closed a lease because the provider could not be reached. */
    public static final String PROVIDER_UNREACHABLE = "provider-unreachable";
    /** The reason a storage gateway gives when it closed a lease because the replica failed its audit. */
    public static final String AUDIT_FAILED = "audit-failed";

    public static final ReputationFacts NONE = new ReputationFacts(0, 0, 0, 0, 0, 0, LatencyHistogram.empty(),
            LatencyHistogram.empty(), 0, LatencyHistogram.empty(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public ReputationFacts {
        latency = latency == null ? LatencyHistogram.empty() : latency;
        overhead = overhead == null ? LatencyHistogram.empty() : overhead;
        coldStart = coldStart == null ? LatencyHistogram.empty() : coldStart;
    }

    /** What a gateway's observations bring. */
    public static ReputationFacts of(CallObservations o) {
        return new ReputationFacts(o.calls(), o.answered(), o.functionFailures(), o.agentErrors(), o.timeouts(),
                o.unreachable(), o.latency(), o.overhead(), o.coldStarts(), o.coldStart(), 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0);
    }

    /** One storage audit. */
    public static ReputationFacts audit(boolean passed) {
        return new ReputationFacts(0, 0, 0, 0, 0, 0, null, null, 0, null, passed ? 1 : 0, passed ? 0 : 1, 0, 0, 0, 0, 0,
                0, 0, 0);
    }

    /** Time the provider went unheard beyond the heartbeat timeout. */
    public static ReputationFacts down(long millis) {
        return new ReputationFacts(0, 0, 0, 0, 0, 0, null, null, 0, null, 0, 0, millis, 0, 0, 0, 0, 0, 0, 0);
    }

    /** A lease of the provider that ended: counted by who ended it and why. */
    public static ReputationFacts leaseEnded(Lease lease) {
        long byDeveloper = 0;
        long byProvider = 0;
        long auditFailed = 0;
        long unreachable = 0;
        long otherByBroker = 0;
        if (lease.provider().equals(lease.closedBy())) {
            byProvider = 1;
        } else if (lease.broker() != null && lease.broker().equals(lease.closedBy())) {
            if (AUDIT_FAILED.equals(lease.closeReason())) {
                auditFailed = 1;
            } else {
                otherByBroker = 1;
            }
        } else if (PROVIDER_UNREACHABLE.equals(lease.closeReason())) {
            unreachable = 1;
        } else {
            byDeveloper = 1;
        }
        return new ReputationFacts(0, 0, 0, 0, 0, 0, null, null, 0, null, 0, 0, 0, byDeveloper, byProvider, auditFailed,
                unreachable, otherByBroker, 0, 0);
    }

    /**
     * A dispute over one of the provider's charges that billing decided: upheld counts against the provider, rejected
     * for it.
     *
     * @throws IllegalArgumentException for a dispute still {@link DisputeState#OPEN open}
     */
    public static ReputationFacts dispute(DisputeState state) {
        if (state != DisputeState.UPHELD && state != DisputeState.REJECTED) {
            throw new IllegalArgumentException("only a decided dispute counts, not one " + state);
        }
        boolean upheld = state == DisputeState.UPHELD;
        return new ReputationFacts(0, 0, 0, 0, 0, 0, null, null, 0, null, 0, 0, 0, 0, 0, 0, 0, 0, upheld ? 1 : 0,
                upheld ? 0 : 1);
    }

    public ReputationFacts plus(ReputationFacts o) {
        return new ReputationFacts(calls + o.calls, answered + o.answered, functionFailures + o.functionFailures,
                agentErrors + o.agentErrors, timeouts + o.timeouts, unreachable + o.unreachable, latency.plus(o.latency),
                overhead.plus(o.overhead), coldStarts + o.coldStarts, coldStart.plus(o.coldStart),
                auditsPassed + o.auditsPassed, auditsFailed + o.auditsFailed, downMillis + o.downMillis,
                leasesByDeveloper + o.leasesByDeveloper, leasesByProvider + o.leasesByProvider,
                leasesAuditFailed + o.leasesAuditFailed, leasesUnreachable + o.leasesUnreachable,
                leasesOtherByBroker + o.leasesOtherByBroker, disputesUpheld + o.disputesUpheld,
                disputesRejected + o.disputesRejected);
    }
}
