package cloud.agora.marketplace.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.reputation.LatencyHistogram;
import cloud.agora.protocol.reputation.ReputationView;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * A provider's score from the evidence of one window, by a formula anyone can recompute from the counts the
 * {@link ReputationView} shows:
 *
 * <pre>
 * score = floor(1000 × (1 − failureRate) × auditPassRate × uptime × leaseFactor × speed × disputeFactor)
 *   failureRate   = (agentErrors + timeouts + unreachable) / calls           (0 without calls)
 *   auditPassRate = passed / (passed + failed)                              (1 without audits)
 *   uptime        = 1 − downSeconds / observedSeconds                       (1 before anything was observed)
 *                   down = silences beyond the heartbeat timeout, the one going on now included
 *   leaseFactor   = 1 − against / (ended + activeNow), against = by the provider + audit failed + unreachable
 *                   counted (1 without leases); "unreachable" is the owner's claim, counted only up to the calls the
 *                   gateways themselves saw unreachable
 *   speed         = min(1, target / overhead p95)                           (1 without witnessed calls)
 *   disputeFactor = (disputesRejected + 10) / (disputesRejected + disputesUpheld + 10)
 *                   disputes over its charges billing decided; 10 = {@link #DISPUTE_PRIOR}
 * </pre>
 *
 * A function's own failures and a developer's close are neutral: they say nothing of the provider.
 */
public final class ReputationScore {

    /** The formula, as published with every snapshot. */
    public static final String FORMULA = "score = floor(1000 × (1 − failureRate) × auditPassRate × uptime × leaseFactor"
            + " × speed × disputeFactor); failureRate = (agentErrors + timeouts + unreachable) / calls (0 without"
            + " calls); auditPassRate = passed / (passed + failed) (1 without audits); uptime = 1 − downSeconds / observedSeconds (1 before"
            + " anything was observed; down = silences beyond the heartbeat timeout, the one going on now included);"
            + " leaseFactor = 1 − against / (ended + activeNow), against = byProvider + auditFailed + unreachableCounted,"
            + " unreachableCounted = min(unreachableClaimed, unreachable calls) (1 without leases); speed = min(1,"
            + " overheadTargetMillis / overheadP95Millis) (1 without witnessed warm calls; a p95 beyond the last bucket"
            + " counts as 120000); disputeFactor = (disputesRejected + 10) / (disputesRejected + disputesUpheld + 10)"
            + " (disputes over the provider's charges billing decided: upheld against it, rejected for it; 10 is the"
            + " prior, as if every provider started with 10 rejected disputes)";

    /**
     * The rejected disputes every provider starts with in {@code disputeFactor}: without it a provider's first upheld
     * dispute would cost everything (0 of 1 decided for it). With 10, one upheld dispute among none costs 1/11 of the
     * score, every rejected one wins part of it back, and only a provider whose disputes are mostly upheld, over many
     * of them, loses most of its score.
     */
    public static final long DISPUTE_PRIOR = 10;

    /** The p95 overhead a percentile in the histogram's last bucket counts as. */
    static final long BEYOND_MILLIS = 2 * LatencyHistogram.BOUNDS_MILLIS[LatencyHistogram.BOUNDS_MILLIS.length - 1];

    private ReputationScore() {
    }

    /**
     * @param presence         when the provider registered (uptime is observed from then, within the window) and was
     *                         last heard from
     * @param heartbeatTimeout the silence a provider may keep without counting as down
     * @param overheadTarget   the p95 overhead at or below which speed costs nothing
     */
    public static ReputationView view(Address provider, ReputationFacts f, Instant from, Instant to, Presence presence,
            Duration heartbeatTimeout, Duration overheadTarget) {
        long failedOnProvider = f.agentErrors() + f.timeouts() + f.unreachable();
        double failureRate = f.calls() == 0 ? 0 : Math.min(1, (double) failedOnProvider / f.calls());
        long audits = f.auditsPassed() + f.auditsFailed();
        double auditPassRate = audits == 0 ? 1 : (double) f.auditsPassed() / audits;
        Instant observedFrom = presence.registeredAt().isAfter(from) ? presence.registeredAt() : from;
        long observedSeconds = Math.max(0, Duration.between(observedFrom, to).toSeconds());
        Instant heard = presence.lastHeardAt() == null ? observedFrom : presence.lastHeardAt();
        Instant silentFrom = heard.plus(heartbeatTimeout);
        if (silentFrom.isBefore(observedFrom)) {
            silentFrom = observedFrom;
        }
        long silentNowMillis = silentFrom.isBefore(to) ? Duration.between(silentFrom, to).toMillis() : 0;
        long downSeconds = Math.min(observedSeconds, (f.downMillis() + silentNowMillis) / 1000);
        long aliveSeconds = observedSeconds - downSeconds;
        double uptime = observedSeconds == 0 ? 1 : (double) aliveSeconds / observedSeconds;
        long unreachableCounted = Math.min(f.leasesUnreachable(), f.unreachable());
        ReputationView.LeasesEnded leases = new ReputationView.LeasesEnded(f.leasesByDeveloper(), f.leasesByProvider(),
                f.leasesAuditFailed(), f.leasesUnreachable(), unreachableCounted, f.leasesOtherByBroker(),
                presence.activeLeases());
        long held = leases.total() + leases.activeNow();
        double leaseFactor = held == 0 ? 1 : 1 - (double) leases.against() / held;
        Long overheadP95 = f.overhead().percentile(0.95);
        long target = Math.max(1, overheadTarget.toMillis());
        long p95 = overheadP95 == null ? 0 : overheadP95 == LatencyHistogram.BEYOND ? BEYOND_MILLIS : overheadP95;
        double speed = p95 <= target ? 1 : (double) target / p95;
        long disputesFor = f.disputesRejected() + DISPUTE_PRIOR;
        long disputesAll = disputesFor + f.disputesUpheld();
        double disputeFactor = (double) disputesFor / disputesAll;
        int score = (int) Math.floor(1000 * (1 - failureRate) * auditPassRate * uptime * leaseFactor * speed
                * disputeFactor + 1e-9);
        String formula = String.format(Locale.ROOT,
                "floor(1000 × (1 − %s) × %s × %s × (1 − %s) × %s × %s) = %d",
                ratio(failedOnProvider, f.calls(), "0"), ratio(f.auditsPassed(), audits, "1"),
                observedSeconds == 0 ? "1" : "(1 − " + downSeconds + "/" + observedSeconds + ")", ratio(leases.against(), held, "0"),
                overheadP95 == null ? "1" : "min(1, " + target + "/" + p95 + ")",
                "(" + f.disputesRejected() + " + " + DISPUTE_PRIOR + ")/(" + f.disputesRejected() + " + "
                        + f.disputesUpheld() + " + " + DISPUTE_PRIOR + ")", score);
        return new ReputationView(provider, from, to, score,
                new ReputationView.Calls(f.calls(), f.answered(), f.functionFailures(), f.agentErrors(), f.timeouts(),
                        f.unreachable(), failedOnProvider, failureRate),
                new ReputationView.Latency(f.latency().total(), f.latency().percentile(0.5),
                        f.latency().percentile(0.95), f.latency().percentile(0.99), f.latency(), f.overhead().total(),
                        f.overhead().percentile(0.5), overheadP95, f.overhead()),
                new ReputationView.ColdStarts(f.coldStarts(), f.coldStart().percentile(0.5),
                        f.coldStart().percentile(0.95), f.coldStart()),
                new ReputationView.Audits(f.auditsPassed(), f.auditsFailed(), auditPassRate),
                new ReputationView.Uptime(downSeconds, observedSeconds, uptime), leases,
                new ReputationView.Disputes(f.disputesUpheld(), f.disputesRejected(), DISPUTE_PRIOR, disputeFactor),
                target, formula);
    }

    private static String ratio(long of, long in, String whenNone) {
        return in == 0 ? whenNone : of + "/" + in;
    }
}
