package cloud.agora.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.eth.Address;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AccessTokensTest {

    private static final Address ALICE = Address.parse("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private final AccessTokens tokens = new AccessTokens(
            "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII), Duration.ofMinutes(15));

    @Test
    void aTokenNamesItsSubjectUntilItExpires() {
        AccessTokens.IssuedToken issued = tokens.issue(ALICE, NOW);
        assertThat(issued.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(15)));
        assertThat(tokens.verify(issued.token(), NOW.plusSeconds(899))).isEqualTo(ALICE);
        assertThatThrownBy(() -> tokens.verify(issued.token(), NOW.plusSeconds(901)))
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("expired");
    }

    @Test
    void rejectsATokenSignedWithAnotherSecret() {
        AccessTokens other = new AccessTokens("another-secret-another-secret-xx".getBytes(StandardCharsets.US_ASCII),
                Duration.ofMinutes(15));
        String forged = other.issue(ALICE, NOW).token();
        assertThatThrownBy(() -> tokens.verify(forged, NOW)).isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void rejectsGarbageAndUnsignedTokens() {
        assertThatThrownBy(() -> tokens.verify("not-a-token", NOW)).isInstanceOf(InvalidTokenException.class);
        String[] parts = tokens.issue(ALICE, NOW).token().split("\\.");
        String unsigned = "eyJhbGciOiJub25lIn0." + parts[1] + ".";
        assertThatThrownBy(() -> tokens.verify(unsigned, NOW)).isInstanceOf(InvalidTokenException.class);
    }
}
