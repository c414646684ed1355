package cloud.agora.protocol.invocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

class GrantsTest {

    // Anvil's well-known development keys #6 (the launcher's gateway), #7 (storage) and #1 (a provider)
    static final ECKeyPair GATEWAY_KEY = KeyFiles.parse("92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e");
    static final ECKeyPair STORAGE_KEY = KeyFiles.parse("4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356");
    static final ECKeyPair STRANGER_KEY = KeyFiles.parse("59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d");
    static final Address GATEWAY = PersonalSignature.addressOf(GATEWAY_KEY);
    static final Address STORAGE = PersonalSignature.addressOf(STORAGE_KEY);
    static final Address PROVIDER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    static final Address CONSUMER = Address.parse("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    static final Instant NOW = Instant.parse("2026-12-04T12:00:00.123Z");

    static InvocationGrant grant() {
        return InvocationGrant.unsigned(UUID.fromString("00000000-0000-0000-0000-000000000001"),
                UUID.fromString("00000000-0000-0000-0000-0000000000aa"), PROVIDER, CONSUMER,
                "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", 30_000, NOW, Duration.ofSeconds(30)).signedBy(GATEWAY_KEY);
    }

    static GrantVerifier verifier(Address... trusted) {
        return new GrantVerifier(() -> Set.of(trusted), Duration.ofSeconds(5));
    }

    @Test
    void encodesAGrantAtAFixedLayoutAnyEthereumLibraryCanRebuild() {
        InvocationGrant g = grant();
        byte[] bytes = g.canonicalBytes();
        assertThat(bytes).hasSize(InvocationGrant.ENCODED_LENGTH).hasSize(160);
        assertThat(new String(bytes, 0, 25, StandardCharsets.US_ASCII)).isEqualTo("agora.invocation-grant.v1");
        assertThat(bytes[25]).isZero();
        assertThat(Numeric.toHexString(bytes, 64, 20, true)).isEqualTo(PROVIDER.value());
        assertThat(Numeric.toHexString(bytes, 104, 32, true))
                .isEqualTo(Numeric.toHexString(Hash.sha3("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o".getBytes(StandardCharsets.UTF_8))));
        assertThat(java.nio.ByteBuffer.wrap(bytes, 144, 8).getLong()).isEqualTo(NOW.toEpochMilli());
        assertThat(g.hash()).isEqualTo(Hash.sha3(bytes));
    }

    @Test
    void theGatewaySignatureIsPersonalSignOverTheHashAndSurvivesJson() throws Exception {
        InvocationGrant g = grant();
        Sign.SignatureData sig = PersonalSignature.parse(g.signature());
        assertThat("0x" + Keys.getAddress(Sign.signedPrefixedMessageToKey(g.hash(), sig))).isEqualTo(GATEWAY.value());
        InvocationGrant read = JsonCodec.read(JsonCodec.write(g), InvocationGrant.class);
        assertThat(read).isEqualTo(g);
        assertThat(read.signer()).isEqualTo(GATEWAY);
    }

    @Test
    void aTrustedGatewaysGrantForThisProviderPassesWithinItsWindow() {
        GrantVerifier verifier = verifier(GATEWAY);
        assertThat(verifier.check(grant(), PROVIDER, NOW)).isEmpty();
        assertThat(verifier.check(grant(), PROVIDER, NOW.plusSeconds(34))).isEmpty();
        assertThat(verifier.check(grant(), PROVIDER, NOW.minusSeconds(4))).isEmpty();
        // the second check of the same gateway verifies against its kept key: same answer
        assertThat(verifier.check(grant(), PROVIDER, NOW.plusSeconds(1))).isEmpty();
    }

    @Test
    void refusesMissingForgedExpiredEarlyAndOtherProvidersGrants() {
        GrantVerifier verifier = verifier(GATEWAY);
        assertThat(verifier.check(null, PROVIDER, NOW)).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.MISSING);
        InvocationGrant forged = grant().signedBy(STRANGER_KEY);
        assertThat(verifier.check(forged, PROVIDER, NOW)).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.FORGED);
        InvocationGrant g = grant();
        InvocationGrant longer = new InvocationGrant(g.invocationId(), g.leaseId(), g.provider(), g.consumer(), g.bundle(),
                g.timeoutMillis() * 10, g.issuedAt(), g.expiresAt(), g.signature());
        assertThat(verifier.check(longer, PROVIDER, NOW)).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.FORGED);
        InvocationGrant unsigned = new InvocationGrant(g.invocationId(), g.leaseId(), g.provider(), g.consumer(), g.bundle(),
                g.timeoutMillis(), g.issuedAt(), g.expiresAt(), null);
        assertThat(verifier.check(unsigned, PROVIDER, NOW)).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.FORGED);
        assertThat(verifier.check(g, PROVIDER, NOW.plusSeconds(36))).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.EXPIRED);
        assertThat(verifier.check(g, PROVIDER, NOW.minusSeconds(6))).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.NOT_YET_VALID);
        assertThat(verifier.check(g, CONSUMER, NOW)).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.OTHER_PROVIDER);
        assertThat(verifier(STORAGE).check(g, PROVIDER, NOW)).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.FORGED);
    }

    @Test
    void aStorageGrantTravelsAsATokenAndIsCheckedForItsLease() {
        UUID lease = UUID.randomUUID();
        StorageGrant grant = StorageGrant.issue(lease, PROVIDER, NOW, Duration.ofSeconds(60), STORAGE_KEY);
        StorageGrant read = StorageGrant.fromToken(grant.toToken());
        assertThat(read).isEqualTo(grant);
        GrantVerifier verifier = verifier(STORAGE);
        assertThat(verifier.check(read, PROVIDER, lease, NOW.plusSeconds(10))).isEmpty();
        assertThat(verifier.check(read, PROVIDER, UUID.randomUUID(), NOW)).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.MISMATCH);
        assertThat(verifier.check(read, CONSUMER, lease, NOW)).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.OTHER_PROVIDER);
        assertThat(verifier.check(read, PROVIDER, lease, NOW.plusSeconds(66))).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.EXPIRED);
        assertThat(verifier(GATEWAY).check(read, PROVIDER, lease, NOW)).get().extracting(GrantVerifier.Rejection::reason)
                .isEqualTo(GrantVerifier.Rejection.FORGED);
        StorageGrant forged = StorageGrant.issue(lease, PROVIDER, NOW, Duration.ofSeconds(60), STRANGER_KEY);
        assertThat(verifier.check(StorageGrant.fromToken(forged.toToken()), PROVIDER, lease, NOW)).get()
                .extracting(GrantVerifier.Rejection::reason).isEqualTo(GrantVerifier.Rejection.FORGED);
    }

    @Test
    void refusesTokensThatAreNotStorageGrants() {
        String token = StorageGrant.issue(UUID.randomUUID(), PROVIDER, NOW, Duration.ofSeconds(60), STORAGE_KEY).toToken();
        assertThatThrownBy(() -> StorageGrant.fromToken("nonsense")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StorageGrant.fromToken(token.substring(4))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StorageGrant.fromToken(token + "00")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StorageGrant.fromToken(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
