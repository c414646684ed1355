package cloud.agora.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

class SignInChallengesTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ECKeyPair ALICE = KeyFiles.parse("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    private static final ECKeyPair BOB = KeyFiles.parse("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    private final SignInChallenges challenges = new SignInChallenges(SECRET, "localhost:8081", "http://localhost:8081", 31337,
            Duration.ofMinutes(5));

    private final Address alice = PersonalSignature.addressOf(ALICE);

    @Test
    void acceptsItsOwnChallengeSignedByTheNamedAddress() {
        String text = challenges.challenge(alice, NOW).toText();
        assertThat(challenges.verify(text, PersonalSignature.sign(text, ALICE), NOW.plusSeconds(10))).isEqualTo(alice);
    }

    @Test
    void rejectsAChallengeSignedBySomeoneElse() {
        String text = challenges.challenge(alice, NOW).toText();
        assertThatThrownBy(() -> challenges.verify(text, PersonalSignature.sign(text, BOB), NOW))
                .isInstanceOf(SignInRejectedException.class).hasMessageContaining("signed by");
    }

    @Test
    void rejectsAnExpiredChallenge() {
        String text = challenges.challenge(alice, NOW).toText();
        assertThatThrownBy(() -> challenges.verify(text, PersonalSignature.sign(text, ALICE), NOW.plus(Duration.ofMinutes(5))))
                .isInstanceOf(SignInRejectedException.class).hasMessageContaining("expired");
    }

    @Test
    void rejectsAMessageItDidNotIssueEvenIfValidlySigned() {
        String forged = challenges.challenge(alice, NOW).toText().replace("Expiration Time: 2026-11-21T10:05:00Z",
                "Expiration Time: 2027-11-21T10:05:00Z");
        assertThatThrownBy(() -> challenges.verify(forged, PersonalSignature.sign(forged, ALICE), NOW))
                .isInstanceOf(SignInRejectedException.class).hasMessageContaining("did not issue");
        SignInChallenges otherService = new SignInChallenges(SECRET, "evil.example", "http://localhost:8081", 31337,
                Duration.ofMinutes(5));
        String elsewhere = otherService.challenge(alice, NOW).toText();
        assertThatThrownBy(() -> challenges.verify(elsewhere, PersonalSignature.sign(elsewhere, ALICE), NOW))
                .isInstanceOf(SignInRejectedException.class).hasMessageContaining("another service");
    }

    @Test
    void rejectsAChallengeForAnotherChain() {
        SignInChallenges mainnet = new SignInChallenges(SECRET, "localhost:8081", "http://localhost:8081", 1, Duration.ofMinutes(5));
        String text = mainnet.challenge(alice, NOW).toText();
        assertThatThrownBy(() -> challenges.verify(text, PersonalSignature.sign(text, ALICE), NOW))
                .isInstanceOf(SignInRejectedException.class).hasMessageContaining("chain");
    }
}
