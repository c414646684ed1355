package cloud.agora.protocol.usage;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eth.PrecomputedNonceSigner;
import cloud.agora.protocol.eth.SignerKeys;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

class BatchAttestationTest {

    static final ECKeyPair KEY = KeyFiles.parse("92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e");
    static final ECKeyPair OTHER = KeyFiles.parse("59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d");

    static List<byte[]> hashes(int n) {
        List<byte[]> hashes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hashes.add(Hash.sha3(("receipt " + i).getBytes(StandardCharsets.UTF_8)));
        }
        return hashes;
    }

    @Test
    void oneSignatureAttestsEveryReceiptOfTheBatchThroughItsPath() throws Exception {
        List<byte[]> hashes = hashes(1_000);
        BatchAttestation attestation = BatchAttestation.sign(hashes, KEY);
        assertThat(attestation.signer()).isEqualTo(PersonalSignature.addressOf(KEY));
        assertThat(attestation.signatureValid(new SignerKeys())).isTrue();
        // independently: personal_sign over keccak256(tag32 ‖ root) recovers the signer
        byte[] tag = new byte[32];
        System.arraycopy("agora.receipt-batch.v1".getBytes(StandardCharsets.US_ASCII), 0, tag, 0, 22);
        byte[] digest = Hash.sha3(Numeric.hexStringToByteArray(Numeric.toHexStringNoPrefix(tag)
                + Numeric.cleanHexPrefix(attestation.root())));
        Sign.SignatureData sig = PersonalSignature.parse(attestation.signature());
        assertThat("0x" + Keys.getAddress(Sign.signedPrefixedMessageToKey(digest, sig))).isEqualTo(attestation.signer().value());
        ReceiptMerkleTree tree = ReceiptMerkleTree.of(hashes);
        for (byte[] hash : hashes.subList(0, 50)) {
            assertThat(attestation.covers(hash, tree.proof(hash))).isTrue();
        }
        assertThat(attestation.covers(Hash.sha3(new byte[] {1}), tree.proof(hashes.get(0)))).isFalse();
    }

    @Test
    void anAttestationSignedWithANonceComputedAheadVerifiesAsTheSignersOverTheSameRoot() {
        PrecomputedNonceSigner signer = new PrecomputedNonceSigner(KEY, 4, new SecureRandom());
        signer.refill();
        BatchAttestation ahead = BatchAttestation.sign(hashes(10), signer);
        assertThat(signer.ready()).isEqualTo(3);
        BatchAttestation whole = BatchAttestation.sign(hashes(10), KEY);
        assertThat(ahead.signer()).isEqualTo(whole.signer());
        assertThat(ahead.root()).isEqualTo(whole.root());
        assertThat(ahead.signatureValid(new SignerKeys())).isTrue();
        assertThat(new BatchAttestation(PersonalSignature.addressOf(OTHER), ahead.root(), ahead.signature())
                .signatureValid(new SignerKeys())).isFalse();
    }

    @Test
    void anotherSignerOrAnotherRootDoesNotVerify() {
        BatchAttestation attestation = BatchAttestation.sign(hashes(10), KEY);
        BatchAttestation claimedByOther = new BatchAttestation(PersonalSignature.addressOf(OTHER), attestation.root(),
                attestation.signature());
        assertThat(claimedByOther.signatureValid(new SignerKeys())).isFalse();
        BatchAttestation otherRoot = new BatchAttestation(attestation.signer(),
                BatchAttestation.sign(hashes(11), KEY).root(), attestation.signature());
        assertThat(otherRoot.signatureValid(new SignerKeys())).isFalse();
    }
}
