package cloud.agora.agent.auth;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.testsupport.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InMemoryUsedNoncesTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T12:00:00Z"));
    private final InMemoryUsedNonces used = new InMemoryUsedNonces(clock);

    @Test
    void aNonceIsUsedOnceUntilItsMessageExpires() {
        Instant expiry = clock.instant().plus(Duration.ofMinutes(5));
        assertThat(used.firstUse("a1b2c3d4e5f6", expiry)).isTrue();
        assertThat(used.firstUse("a1b2c3d4e5f6", expiry)).isFalse();
        clock.advance(Duration.ofMinutes(4));
        assertThat(used.firstUse("a1b2c3d4e5f6", expiry)).isFalse();
        assertThat(used.firstUse("0f0f0f0f0f0f", expiry)).isTrue();
    }

    @Test
    void expiredNoncesAreForgottenSoTheSetStaysBoundedByTheChallengeLifetime() {
        for (int i = 0; i < 100; i++) {
            assertThat(used.firstUse("nonce" + i, clock.instant().plus(Duration.ofMinutes(5)))).isTrue();
            clock.advance(Duration.ofSeconds(10));
        }
        // 1000 s have passed: only the last 5 minutes' nonces (30 of them) are still remembered
        assertThat(used.size()).isEqualTo(30);
        assertThat(used.firstUse("nonce99", clock.instant())).isFalse();
    }
}
