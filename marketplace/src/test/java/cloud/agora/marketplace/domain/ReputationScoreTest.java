package cloud.agora.marketplace.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.dispute.DisputeState;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.reputation.LatencyHistogram;
import cloud.agora.protocol.reputation.ReputationView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReputationScoreTest {

    private static final Address PROVIDER = new Address("0x1111111111111111111111111111111111111111");
    private static final Instant FROM = Instant.parse("2026-12-01T00:00:00Z");
    private static final Instant TO = FROM.plus(Duration.ofHours(10));
    private static final Duration TARGET = Duration.ofMillis(250);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Registered at the window's start, heard from at its end. */
    private static final Presence HEARD = new Presence(FROM, TO, 0);

    @Test
    void aProviderWithNoEvidenceAgainstItScoresTheMost() {
        ReputationView view = ReputationScore.view(PROVIDER, ReputationFacts.NONE, FROM, TO, new Presence(TO, TO, 0), TIMEOUT, TARGET);
        assertThat(view.score()).isEqualTo(1000);
        assertThat(view.formula()).endsWith("= 1000");
    }

    @Test
    void failuresOnTheProvidersSideCountAgainstItAndTheFunctionsOwnDoNot() {
        ReputationFacts facts = calls(100, 40, 30, 5, 10, 15, histogram(10, 100));
        ReputationView view = ReputationScore.view(PROVIDER, facts.plus(ReputationFacts.NONE), FROM, TO,
                HEARD, TIMEOUT, TARGET);
        assertThat(view.calls().failedOnProvider()).isEqualTo(30);
        assertThat(view.calls().failureRate()).isEqualTo(0.3);
        assertThat(view.score()).isEqualTo(700);
        assertThat(view.formula()).isEqualTo("floor(1000 × (1 − 30/100) × 1 × (1 − 0/36000) × (1 − 0) × min(1, 250/10)"
                + " × (0 + 10)/(0 + 0 + 10)) = 700");
    }

    @Test
    void aSlowProviderLosesScoreByItsOverheadBeyondTheTarget() {
        ReputationFacts facts = calls(100, 100, 0, 0, 0, 0, histogram(1000, 100));
        ReputationView view = ReputationScore.view(PROVIDER, facts.plus(ReputationFacts.NONE), FROM, TO,
                HEARD, TIMEOUT, TARGET);
        assertThat(view.latency().overheadP95Millis()).isEqualTo(1000);
        assertThat(view.score()).isEqualTo(250);
    }

    @Test
    void failedAuditsAndTheLeasesTheyEndedCountAgainstTheProvider() {
        ReputationFacts facts = ReputationFacts.NONE;
        for (int i = 0; i < 3; i++) {
            facts = facts.plus(ReputationFacts.audit(true));
        }
        facts = facts.plus(ReputationFacts.audit(false));
        facts = facts.plus(new ReputationFacts(0, 0, 0, 0, 0, 0, null, null, 0, null, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0));
        ReputationView view = ReputationScore.view(PROVIDER, facts, FROM, TO, HEARD, TIMEOUT, TARGET);
        assertThat(view.audits().passRate()).isEqualTo(0.75);
        assertThat(view.leasesEnded().against()).isEqualTo(1);
        // 1000 × 3/4 × (1 − 1/2)
        assertThat(view.score()).isEqualTo(375);
        // leases it still holds count among those it held: (1 − 1/4)
        ReputationView holding = ReputationScore.view(PROVIDER, facts, FROM, TO, new Presence(FROM, TO, 2), TIMEOUT,
                TARGET);
        assertThat(holding.leasesEnded().activeNow()).isEqualTo(2);
        assertThat(holding.score()).isEqualTo(562);
    }

    @Test
    void anOwnersUnreachableClaimCountsOnlyUpToTheUnreachableCallsGatewaysSaw() {
        ReputationFacts claims = new ReputationFacts(0, 0, 0, 0, 0, 0, null, null, 0, null, 0, 0, 0, 0, 0,
                0, 2, 0, 0, 0);
        ReputationView unseen = ReputationScore.view(PROVIDER, claims, FROM, TO, HEARD, TIMEOUT, TARGET);
        assertThat(unseen.leasesEnded().unreachableCounted()).isZero();
        assertThat(unseen.score()).isEqualTo(1000);
        ReputationView seenOnce = ReputationScore.view(PROVIDER,
                claims.plus(calls(1, 0, 0, 0, 0, 1, LatencyHistogram.empty())), FROM, TO, HEARD, TIMEOUT, TARGET);
        assertThat(seenOnce.leasesEnded().unreachableCounted()).isEqualTo(1);
    }

    @Test
    void uptimeCountsPastSilencesBeyondTheTimeoutOverTheTimeObservedSinceRegistration() {
        Instant registered = TO.minus(Duration.ofHours(2));
        ReputationView view = ReputationScore.view(PROVIDER, ReputationFacts.down(1800_000L), FROM, TO,
                new Presence(registered, TO, 0), TIMEOUT, TARGET);
        assertThat(view.uptime().observedSeconds()).isEqualTo(7200);
        assertThat(view.uptime().downSeconds()).isEqualTo(1800);
        assertThat(view.score()).isEqualTo(750);
    }

    @Test
    void theSilenceGoingOnNowCountsBeyondTheTimeout() {
        Instant registered = TO.minus(Duration.ofHours(2));
        ReputationView view = ReputationScore.view(PROVIDER, ReputationFacts.NONE, FROM, TO,
                new Presence(registered, TO.minus(Duration.ofHours(1)).minus(TIMEOUT), 0), TIMEOUT, TARGET);
        assertThat(view.uptime().downSeconds()).isEqualTo(3600);
        assertThat(view.score()).isEqualTo(500);
        // a silence still within the timeout costs nothing
        assertThat(ReputationScore.view(PROVIDER, ReputationFacts.NONE, FROM, TO,
                new Presence(registered, TO.minusSeconds(10), 0), TIMEOUT, TARGET).score()).isEqualTo(1000);
    }

    @Test
    void anUpheldDisputeCostsTheProviderOneEleventhAndRejectedOnesWinPartOfItBack() {
        ReputationFacts upheld = ReputationFacts.dispute(DisputeState.UPHELD);
        ReputationView one = ReputationScore.view(PROVIDER, upheld, FROM, TO, HEARD, TIMEOUT, TARGET);
        assertThat(one.disputes()).isEqualTo(new ReputationView.Disputes(1, 0, 10, 10.0 / 11));
        // 1000 × 10/11
        assertThat(one.score()).isEqualTo(909);
        assertThat(one.formula())
                .isEqualTo("floor(1000 × (1 − 0) × 1 × (1 − 0/36000) × (1 − 0) × 1 × (0 + 10)/(0 + 1 + 10)) = 909");

        ReputationFacts rejectedOnce = upheld.plus(ReputationFacts.dispute(DisputeState.REJECTED));
        ReputationView back = ReputationScore.view(PROVIDER, rejectedOnce, FROM, TO, HEARD, TIMEOUT, TARGET);
        assertThat(back.disputes().factor()).isEqualTo(11.0 / 12);
        // 1000 × 11/12: more than with the upheld one alone, never all of it back
        assertThat(back.score()).isEqualTo(916);
        ReputationFacts rejectedTenTimes = upheld;
        for (int i = 0; i < 10; i++) {
            rejectedTenTimes = rejectedTenTimes.plus(ReputationFacts.dispute(DisputeState.REJECTED));
        }
        // 1000 × 20/21
        assertThat(ReputationScore.view(PROVIDER, rejectedTenTimes, FROM, TO, HEARD, TIMEOUT, TARGET).score())
                .isEqualTo(952);

        // rejected disputes alone cost nothing and earn nothing beyond the most
        ReputationView onlyRejected = ReputationScore.view(PROVIDER, ReputationFacts.dispute(DisputeState.REJECTED),
                FROM, TO, HEARD, TIMEOUT, TARGET);
        assertThat(onlyRejected.disputes()).isEqualTo(new ReputationView.Disputes(0, 1, 10, 1.0));
        assertThat(onlyRejected.score()).isEqualTo(1000);
    }

    @Test
    void disputesMultiplyTheOtherTermsAndManyUpheldOnesCostMost() {
        ReputationFacts failing = calls(100, 40, 30, 5, 10, 15, histogram(10, 100));
        ReputationFacts disputed = failing;
        for (int i = 0; i < 5; i++) {
            disputed = disputed.plus(ReputationFacts.dispute(DisputeState.UPHELD));
        }
        // 1000 × (1 − 30/100) × 10/15
        ReputationView view = ReputationScore.view(PROVIDER, disputed, FROM, TO, HEARD, TIMEOUT, TARGET);
        assertThat(view.score()).isEqualTo(466);
        assertThat(view.formula()).endsWith(" × (0 + 10)/(0 + 5 + 10)) = 466");
        ReputationFacts many = ReputationFacts.NONE;
        for (int i = 0; i < 90; i++) {
            many = many.plus(ReputationFacts.dispute(DisputeState.UPHELD));
        }
        // 1000 × 10/100
        assertThat(ReputationScore.view(PROVIDER, many, FROM, TO, HEARD, TIMEOUT, TARGET).score()).isEqualTo(100);
    }

    @Test
    void aDisputeStillOpenIsNoEvidence() {
        assertThatThrownBy(() -> ReputationFacts.dispute(DisputeState.OPEN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static ReputationFacts calls(long calls, long answered, long functionFailures, long agentErrors,
            long timeouts, long unreachable, LatencyHistogram overhead) {
        return new ReputationFacts(calls, answered, functionFailures, agentErrors, timeouts, unreachable,
                overhead, overhead, 0, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    private static LatencyHistogram histogram(long millis, long count) {
        List<Long> counts = new ArrayList<>(Collections.nCopies(LatencyHistogram.BUCKETS, 0L));
        counts.set(LatencyHistogram.bucketOf(millis), count);
        return new LatencyHistogram(counts);
    }
}
