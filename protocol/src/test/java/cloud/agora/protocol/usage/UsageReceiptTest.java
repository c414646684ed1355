package cloud.agora.protocol.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.event.JsonCodec;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

class UsageReceiptTest {

    // Anvil's first two well-known development keys
    static final ECKeyPair PROVIDER_KEY = KeyFiles.parse("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    static final ECKeyPair GATEWAY_KEY = KeyFiles.parse("59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d");
    static final Address PROVIDER = new Address("0x" + Keys.getAddress(PROVIDER_KEY));
    static final Address CONSUMER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    static final InvocationGrant GRANT = InvocationGrant.unsigned(UUID.fromString("00000000-0000-0000-0000-000000000001"),
            UUID.fromString("00000000-0000-0000-0000-0000000000aa"), PROVIDER, CONSUMER, "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
            30_000, Instant.parse("2025-12-31T23:59:59.900Z"), java.time.Duration.ofSeconds(30)).signedBy(GATEWAY_KEY);

    static UsageReceipt receipt() {
        return UsageReceipt.unsigned(UUID.fromString("00000000-0000-0000-0000-000000000001"),
                UUID.fromString("00000000-0000-0000-0000-0000000000aa"), PROVIDER, CONSUMER, 12_345_678L, 3L * 1024 * 1024 + 1,
                250, 100, 2_000, Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00.250Z"), GRANT);
    }

    @Test
    void chargesPeakMemoryRoundedUpToMibForTheWholeWallTime() {
        assertThat(receipt().memoryMibMillis()).isEqualTo(4 * 250);
        assertThat(UsageReceipt.memoryMibMillis(0, 1000)).isZero();
        assertThat(UsageReceipt.memoryMibMillis(1024 * 1024, 1000)).isEqualTo(1000);
    }

    @Test
    void encodesEveryFieldAtAFixedLength() {
        byte[] bytes = receipt().canonicalBytes();
        assertThat(bytes).hasSize(UsageReceipt.ENCODED_LENGTH).hasSize(192);
        assertThat(new String(bytes, 0, 22)).isEqualTo("agora.usage-receipt.v2");
        assertThat(Numeric.toHexString(bytes, 56, 20, true)).isEqualTo(PROVIDER.value());
        assertThat(Numeric.toHexString(bytes, 96, 32, true)).isEqualTo(GRANT.hashHex());
        assertThat(receipt().hash()).isEqualTo(Hash.sha3(bytes));
    }

    @Test
    void everyUsageFigureChangesTheHash() {
        UsageReceipt r = receipt();
        UsageReceipt moreCpu = UsageReceipt.unsigned(r.invocationId(), r.leaseId(), r.provider(), r.consumer(), r.cpuNanos() + 1,
                r.peakMemoryBytes(), r.wallMillis(), r.bytesIn(), r.bytesOut(), r.startedAt(), r.endedAt(), r.grant());
        UsageReceipt moreOut = UsageReceipt.unsigned(r.invocationId(), r.leaseId(), r.provider(), r.consumer(), r.cpuNanos(),
                r.peakMemoryBytes(), r.wallMillis(), r.bytesIn(), r.bytesOut() + 1, r.startedAt(), r.endedAt(), r.grant());
        UsageReceipt otherGrant = UsageReceipt.unsigned(r.invocationId(), r.leaseId(), r.provider(), r.consumer(), r.cpuNanos(),
                r.peakMemoryBytes(), r.wallMillis(), r.bytesIn(), r.bytesOut(), r.startedAt(), r.endedAt(),
                InvocationGrant.unsigned(GRANT.invocationId(), GRANT.leaseId(), GRANT.provider(), GRANT.consumer(), GRANT.bundle(),
                        GRANT.timeoutMillis() + 1, GRANT.issuedAt(), java.time.Duration.ofSeconds(30)));
        UsageReceipt noGrant = UsageReceipt.unsigned(r.invocationId(), r.leaseId(), r.provider(), r.consumer(), r.cpuNanos(),
                r.peakMemoryBytes(), r.wallMillis(), r.bytesIn(), r.bytesOut(), r.startedAt(), r.endedAt(), null);
        assertThat(moreCpu.hashHex()).isNotEqualTo(r.hashHex());
        assertThat(moreOut.hashHex()).isNotEqualTo(r.hashHex()).isNotEqualTo(moreCpu.hashHex());
        assertThat(otherGrant.hashHex()).isNotEqualTo(r.hashHex());
        assertThat(noGrant.hashHex()).isNotEqualTo(r.hashHex()).isNotEqualTo(otherGrant.hashHex());
    }

    @Test
    void providerSignatureRecoversTheProviderAsPersonalSignOverTheHash() throws Exception {
        UsageReceipt signed = receipt().signedByProvider(PROVIDER_KEY);
        signed.verifyProviderSignature();
        // an independent check: web3j's EIP-191 recovery over the 32 hash bytes
        Sign.SignatureData sig = cloud.agora.protocol.eth.PersonalSignature.parse(signed.providerSignature());
        assertThat("0x" + Keys.getAddress(Sign.signedPrefixedMessageToKey(signed.hash(), sig))).isEqualTo(PROVIDER.value());
    }

    @Test
    void rejectsATamperedReceipt() {
        UsageReceipt signed = receipt().signedByProvider(PROVIDER_KEY);
        UsageReceipt tampered = new UsageReceipt(signed.invocationId(), signed.leaseId(), signed.provider(), signed.consumer(),
                signed.cpuNanos() / 2, signed.peakMemoryBytes(), signed.memoryMibMillis(), signed.wallMillis(), signed.bytesIn(),
                signed.bytesOut(), signed.startedAt(), signed.endedAt(), signed.grant(), signed.providerSignature(), null);
        assertThatThrownBy(tampered::verifyProviderSignature).isInstanceOf(InvalidSignatureException.class)
                .hasMessageContaining("not its provider");
    }

    @Test
    void rejectsMemoryFiguresThatBreakTheRule() {
        UsageReceipt r = receipt();
        UsageReceipt inflated = new UsageReceipt(r.invocationId(), r.leaseId(), r.provider(), r.consumer(), r.cpuNanos(),
                r.peakMemoryBytes(), r.memoryMibMillis() * 10, r.wallMillis(), r.bytesIn(), r.bytesOut(), r.startedAt(),
                r.endedAt(), r.grant(), null, null).signedByProvider(PROVIDER_KEY);
        assertThatThrownBy(inflated::verifyProviderSignature).hasMessageContaining("memory rule");
    }

    @Test
    void refusesToSignWithAnotherKeyAndRejectsUnsigned() {
        assertThatThrownBy(() -> receipt().signedByProvider(GATEWAY_KEY)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> receipt().verifyProviderSignature()).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void gatewayCounterSignsTheSameHash() {
        UsageReceipt both = receipt().signedByProvider(PROVIDER_KEY).counterSignedByGateway(GATEWAY_KEY);
        both.verifyProviderSignature();
        assertThat(both.gatewaySigner().value()).isEqualTo("0x" + Keys.getAddress(GATEWAY_KEY));
    }

    @Test
    void rejectsNegativeFiguresAndEndBeforeStart() {
        assertThatThrownBy(() -> UsageReceipt.unsigned(UUID.randomUUID(), UUID.randomUUID(), PROVIDER, CONSUMER, -1, 0, 0, 0, 0,
                Instant.EPOCH, Instant.EPOCH, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UsageReceipt.unsigned(UUID.randomUUID(), UUID.randomUUID(), PROVIDER, CONSUMER, 0, 0, 0, 0, 0,
                Instant.EPOCH.plusSeconds(1), Instant.EPOCH, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void survivesTheJsonRoundTripWithItsSignature() {
        UsageReceipt signed = receipt().signedByProvider(PROVIDER_KEY);
        UsageReceipt read = JsonCodec.read(JsonCodec.write(signed), UsageReceipt.class);
        assertThat(read).isEqualTo(signed);
        read.verifyProviderSignature();
        assertThat(read.grant().signer()).isEqualTo(new Address("0x" + Keys.getAddress(GATEWAY_KEY)));
    }
}
