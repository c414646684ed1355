package cloud.agora.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    @Test
    void everyChallengeCarriesAFreshNonceEvenForOneAddressInOneSecond() {
        Set<String> nonces = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            SiweMessage message = challenges.challenge(alice, NOW);
            assertThat(message.issuedAt()).isEqualTo(NOW);
            assertThat(message.nonce()).matches("[a-zA-Z0-9]{8,}").hasSize(64);
            nonces.add(message.nonce());
            // the first 128 bits are random: no two challenges share them
            nonces.add("random:" + message.nonce().substring(0, 32));
        }
        assertThat(nonces).hasSize(2000);
    }

    @Test
    void anotherReplicaWithTheSecretChecksAChallengeWithoutState() {
        SignInChallenges replica = new SignInChallenges(SECRET, "localhost:8081", "http://localhost:8081", 31337,
                Duration.ofMinutes(5));
        String text = challenges.challenge(alice, NOW).toText();
        assertThat(replica.verify(text, PersonalSignature.sign(text, ALICE), NOW.plusSeconds(1))).isEqualTo(alice);
        assertThat(replica.redeem(text, PersonalSignature.sign(text, ALICE), NOW.plusSeconds(1), new Remembered()))
                .isEqualTo(alice);
    }

    @Test
    void theNonceIsBoundByItsHmacToItsRandomPartAddressAndTimes() {
        String text = challenges.challenge(alice, NOW).toText();
        String nonce = nonceOf(text);
        // the random part changed (as a replayer minting "fresh" nonces would), its tag kept
        assertRefusedAsNotIssued(text.replace(nonce, flip(nonce, 0)), ALICE);
        assertRefusedAsNotIssued(text.replace(nonce, flip(nonce, 31)), ALICE);
        // the tag changed
        assertRefusedAsNotIssued(text.replace(nonce, flip(nonce, 63)), ALICE);
        // the nonce shortened to a valid EIP-4361 nonce
        assertRefusedAsNotIssued(text.replace(nonce, nonce.substring(0, 32)), ALICE);
        // another address signing the same challenge under its own name
        Address bob = PersonalSignature.addressOf(BOB);
        assertRefusedAsNotIssued(text.replace(alice.checksummed(), bob.checksummed()), BOB);
        // the issue time or the expiry moved by a second
        assertRefusedAsNotIssued(text.replace("Issued At: 2026-11-21T10:00:00Z", "Issued At: 2026-11-21T10:00:01Z"), ALICE);
        assertRefusedAsNotIssued(text.replace("Expiration Time: 2026-11-21T10:05:00Z",
                "Expiration Time: 2026-11-21T10:05:01Z"), ALICE);
        // the unaltered message still passes
        assertThat(challenges.verify(text, PersonalSignature.sign(text, ALICE), NOW)).isEqualTo(alice);
    }

    @Test
    void aSignedMessageIsRedeemedOnceButChecksAgain() {
        String text = challenges.challenge(alice, NOW).toText();
        String signature = PersonalSignature.sign(text, ALICE);
        Remembered used = new Remembered();
        assertThat(challenges.redeem(text, signature, NOW, used)).isEqualTo(alice);
        assertThatThrownBy(() -> challenges.redeem(text, signature, NOW.plusSeconds(1), used))
                .isInstanceOf(SignInRejectedException.class).hasMessageContaining("already exchanged");
        // a new challenge is a new nonce, redeemed once in turn
        String next = challenges.challenge(alice, NOW).toText();
        assertThat(challenges.redeem(next, PersonalSignature.sign(next, ALICE), NOW, used)).isEqualTo(alice);
        assertThat(used.expiries).hasSize(2).containsValue(NOW.plus(Duration.ofMinutes(5)));
        // checking alone consumes nothing
        assertThat(challenges.verify(text, signature, NOW.plusSeconds(2))).isEqualTo(alice);
    }

    @Test
    void aRefusedMessageConsumesNoNonce() {
        String text = challenges.challenge(alice, NOW).toText();
        Remembered used = new Remembered();
        assertThatThrownBy(() -> challenges.redeem(text, PersonalSignature.sign(text, BOB), NOW, used))
                .isInstanceOf(SignInRejectedException.class).hasMessageContaining("signed by");
        assertThat(used.expiries).isEmpty();
        assertThat(challenges.redeem(text, PersonalSignature.sign(text, ALICE), NOW, used)).isEqualTo(alice);
    }

    private void assertRefusedAsNotIssued(String altered, ECKeyPair signer) {
        assertThatThrownBy(() -> challenges.verify(altered, PersonalSignature.sign(altered, signer), NOW))
                .isInstanceOf(SignInRejectedException.class).hasMessageContaining("did not issue");
        assertThatThrownBy(() -> challenges.redeem(altered, PersonalSignature.sign(altered, signer), NOW, new Remembered()))
                .isInstanceOf(SignInRejectedException.class).hasMessageContaining("did not issue");
    }

    private static String nonceOf(String text) {
        Matcher nonce = Pattern.compile("\nNonce: ([0-9a-f]+)\n").matcher(text);
        assertThat(nonce.find()).isTrue();
        return nonce.group(1);
    }

    private static String flip(String hex, int index) {
        char c = hex.charAt(index);
        return hex.substring(0, index) + (c == '0' ? '1' : '0') + hex.substring(index + 1);
    }

    /** Used nonces in a map, as one process keeps them. */
    private static final class Remembered implements UsedNonces {
        final Map<String, Instant> expiries = new HashMap<>();

        @Override
        public boolean firstUse(String nonce, Instant expiresAt) {
            return expiries.putIfAbsent(nonce, expiresAt) == null;
        }
    }
}
