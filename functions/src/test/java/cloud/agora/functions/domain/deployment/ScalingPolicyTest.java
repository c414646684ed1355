package cloud.agora.functions.domain.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The scaling rule alone, on samples one second apart: up window 3 s, idle time 10 s, 1–4 replicas at 2 calls each. */
class ScalingPolicyTest {

    static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");
    static final Autoscaling BOUNDS = new Autoscaling(1, 4, 2);

    final ScalingPolicy policy = new ScalingPolicy(Duration.ofSeconds(3));

    Optional<ScalingPolicy.Decision> at(int second, int inFlight, int replicas) {
        return policy.sample(T0.plusSeconds(second), inFlight, replicas, BOUNDS, Duration.ofSeconds(10));
    }

    @Test
    void loadAboveTheTargetForTheWholeWindowAddsTheReplicasItNeedsUpToTheMaximum() {
        assertThat(at(0, 7, 1)).isEmpty();
        assertThat(at(1, 7, 1)).isEmpty();
        assertThat(at(2, 7, 1)).isEmpty();
        // 7 in flight on average over 3 s at 2 per replica: 4 replicas
        assertThat(at(3, 7, 1)).hasValueSatisfying(d -> {
            assertThat(d.replicas()).isEqualTo(4);
            assertThat(d.reason()).contains("7.0 calls in flight on average over 3 s, above 2 per replica on 1");
        });
        // at the maximum nothing more is added, however high the load
        for (int s = 4; s < 20; s++) {
            assertThat(at(s, 50, 4)).isEmpty();
        }
    }

    @Test
    void aBurstShorterThanTheWindowMovesNothing() {
        assertThat(at(0, 0, 1)).isEmpty();
        assertThat(at(1, 0, 1)).isEmpty();
        assertThat(at(2, 0, 1)).isEmpty();
        assertThat(at(3, 5, 1)).as("average 1.25 over the window").isEmpty();
        assertThat(at(4, 0, 1)).isEmpty();
    }

    @Test
    void aReplicaGoesOnlyAfterTheWholeIdleTimeWithinWhatOneFewerServesAndNeverBelowTheMinimum() {
        assertThat(at(0, 3, 3)).isEmpty();
        for (int s = 1; s < 10; s++) {
            assertThat(at(s, s == 5 ? 5 : 3, 3)).as("second %d", s).isEmpty();
        }
        // the 5 calls at second 5 were more than 2 replicas serve at 2 each: the idle time counts from after them
        for (int s = 10; s < 16; s++) {
            assertThat(at(s, 3, 3)).as("second %d", s).isEmpty();
        }
        assertThat(at(16, 3, 3)).hasValueSatisfying(d -> {
            assertThat(d.replicas()).isEqualTo(2);
            assertThat(d.reason()).contains("at most 3 calls in flight for 10 s, within what 2 replica(s) serve at 2 each");
        });
        // the next one waits a whole idle time again
        for (int s = 17; s < 26; s++) {
            assertThat(at(s, 0, 2)).as("second %d", s).isEmpty();
        }
        assertThat(at(26, 0, 2)).hasValueSatisfying(d -> assertThat(d.replicas()).isEqualTo(1));
        for (int s = 27; s < 60; s++) {
            assertThat(at(s, 0, 1)).as("at the minimum, second %d", s).isEmpty();
        }
    }
}
