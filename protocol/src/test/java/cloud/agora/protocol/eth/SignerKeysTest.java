package cloud.agora.protocol.eth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.usage.UsageReceipt;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

class SignerKeysTest {

    private static ECKeyPair key() throws Exception {
        return Keys.createEcKeyPair();
    }

    private static Address address(ECKeyPair key) {
        return new Address("0x" + Keys.getAddress(key));
    }

    private static UsageReceipt receipt(Address provider, long cpu) {
        return UsageReceipt.unsigned(UUID.randomUUID(), UUID.randomUUID(), provider, provider, cpu, 64L << 20, 120, 10, 10,
                Instant.ofEpochMilli(1_000), Instant.ofEpochMilli(1_120), null);
    }

    /** web3j's answer: true iff the signature recovers the claimed provider. */
    private static boolean web3jSays(UsageReceipt r) {
        try {
            r.verifyProviderSignature();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "libsecp256k1: {0}")
    @ValueSource(booleans = {true, false})
    void agreesWithWeb3jRecoveryOnValidForeignTamperedAndFlippedSignaturesBeforeAndAfterTheKeyIsKept(boolean nativeCurve) throws Exception {
        ECKeyPair honest = key();
        ECKeyPair other = key();
        Address provider = address(honest);
        SignerKeys keys = new SignerKeys(nativeCurve);
        SplittableRandom random = new SplittableRandom(7);
        int accepted = 0;
        for (int i = 0; i < 200; i++) {
            UsageReceipt good = receipt(provider, 1_000 + i).signedByProvider(honest);
            String sig = good.providerSignature();
            byte[] bytes = Numeric.hexStringToByteArray(sig);
            List<UsageReceipt> variants = new java.util.ArrayList<>();
            variants.add(good);
            // signed by another key but claiming the provider
            variants.add(withSignature(good, "0x" + signHash(good, other)));
            // v flipped: recovers another key
            byte[] flipped = bytes.clone();
            flipped[64] = (byte) (flipped[64] == 27 ? 28 : 27);
            variants.add(withSignature(good, Numeric.toHexString(flipped)));
            // one bit of r changed
            byte[] tamperedR = bytes.clone();
            tamperedR[random.nextInt(32)] ^= (byte) (1 << random.nextInt(8));
            variants.add(withSignature(good, Numeric.toHexString(tamperedR)));
            // the receipt's figures changed after signing
            variants.add(new UsageReceipt(good.invocationId(), good.leaseId(), good.provider(), good.consumer(), good.cpuNanos() + 1,
                    good.peakMemoryBytes(), good.memoryMibMillis(), good.wallMillis(), good.bytesIn(), good.bytesOut(),
                    good.startedAt(), good.endedAt(), good.grant(), sig, null));
            for (UsageReceipt v : variants) {
                boolean expected = web3jSays(v);
                boolean actual;
                try {
                    actual = keys.signedBy(v.hash(), v.providerSignature(), provider);
                } catch (InvalidSignatureException e) {
                    actual = false;
                }
                assertThat(actual).as("receipt %d, signature %s", i, v.providerSignature()).isEqualTo(expected);
                accepted += actual ? 1 : 0;
            }
            if (i == 0) {
                assertThat(keys.keeps(provider)).isTrue();
            }
        }
        assertThat(accepted).isEqualTo(200);
        assertThat(keys.keeps(address(other))).isFalse();
    }

    @ParameterizedTest(name = "libsecp256k1: {0}")
    @ValueSource(booleans = {true, false})
    void neverKeepsAKeyForAnAddressItDidNotRecover(boolean nativeCurve) throws Exception {
        ECKeyPair attacker = key();
        Address victim = address(key());
        SignerKeys keys = new SignerKeys(nativeCurve);
        UsageReceipt forged = receipt(victim, 1).counterSignedByGateway(attacker);
        assertThat(keys.signedBy(forged.hash(), forged.gatewaySignature(), victim)).isFalse();
        assertThat(keys.keeps(victim)).isFalse();
    }

    @ParameterizedTest(name = "libsecp256k1: {0}")
    @ValueSource(booleans = {true, false})
    void findsTheGatewayAmongTrustedCandidatesOrRecoversAnUntrustedOne(boolean nativeCurve) throws Exception {
        ECKeyPair gateway = key();
        ECKeyPair stranger = key();
        Address provider = address(key());
        SignerKeys keys = new SignerKeys(nativeCurve);
        for (int i = 0; i < 3; i++) {
            UsageReceipt r = receipt(provider, i).counterSignedByGateway(gateway);
            assertThat(keys.signer(r.hash(), r.gatewaySignature(), List.of(address(gateway)))).isEqualTo(address(gateway));
        }
        UsageReceipt foreign = receipt(provider, 9).counterSignedByGateway(stranger);
        assertThat(keys.signer(foreign.hash(), foreign.gatewaySignature(), List.of(address(gateway)))).isEqualTo(address(stranger));
        assertThatThrownBy(() -> keys.signer(foreign.hash(), "0x1234", List.of())).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void libsecp256k1IsLoadedOnThisPlatform() {
        assertThat(NativeCurve.available()).isTrue();
    }

    private static String signHash(UsageReceipt r, ECKeyPair key) {
        return r.counterSignedByGateway(key).gatewaySignature().substring(2);
    }

    private static UsageReceipt withSignature(UsageReceipt r, String signature) {
        return new UsageReceipt(r.invocationId(), r.leaseId(), r.provider(), r.consumer(), r.cpuNanos(), r.peakMemoryBytes(),
                r.memoryMibMillis(), r.wallMillis(), r.bytesIn(), r.bytesOut(), r.startedAt(), r.endedAt(), r.grant(), signature, null);
    }
}
