package cloud.agora.launcher;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A provider's reputation score recomputed from the counts its view cites, as the marketplace README defines it,
 * written apart from the marketplace's own code: what anyone can do with the public figures.
 */
final class IndependentScore {

    /** The rejected disputes every provider starts with, as the README defines the dispute factor. */
    private static final long DISPUTE_PRIOR = 10;
    /** What an overhead p95 beyond the histogram's last bound counts as (twice that bound, 60 s). */
    private static final long BEYOND_MILLIS = 120_000;

    private IndependentScore() {
    }

    static int of(JsonNode view) {
        JsonNode calls = view.get("calls");
        long total = calls.get("total").asLong();
        double failureRate = total == 0 ? 0 : (double) calls.get("failedOnProvider").asLong() / total;
        JsonNode audits = view.get("audits");
        long audited = audits.get("passed").asLong() + audits.get("failed").asLong();
        double auditPassRate = audited == 0 ? 1 : (double) audits.get("passed").asLong() / audited;
        JsonNode uptime = view.get("uptime");
        long observed = uptime.get("observedSeconds").asLong();
        double up = observed == 0 ? 1 : (double) (observed - uptime.get("downSeconds").asLong()) / observed;
        JsonNode leases = view.get("leasesEnded");
        long against = leases.get("byProvider").asLong() + leases.get("auditFailed").asLong()
                + leases.get("unreachableCounted").asLong();
        long held = leases.get("byDeveloper").asLong() + leases.get("byProvider").asLong()
                + leases.get("auditFailed").asLong() + leases.get("unreachableClaimed").asLong()
                + leases.get("otherByBroker").asLong() + leases.get("activeNow").asLong();
        double leaseFactor = held == 0 ? 1 : 1 - (double) against / held;
        JsonNode p95 = view.get("latency").get("overheadP95Millis");
        long target = view.get("overheadTargetMillis").asLong();
        double speed = 1;
        if (p95 != null && !p95.isNull()) {
            long overhead = p95.asLong() == -1 ? BEYOND_MILLIS : p95.asLong();
            speed = overhead <= target ? 1 : (double) target / overhead;
        }
        JsonNode disputes = view.get("disputes");
        long rejected = disputes.get("rejected").asLong();
        double disputeFactor = (double) (rejected + DISPUTE_PRIOR)
                / (rejected + disputes.get("upheld").asLong() + DISPUTE_PRIOR);
        return (int) Math.floor(1000 * (1 - failureRate) * auditPassRate * up * leaseFactor * speed * disputeFactor
                + 1e-9);
    }
}
