package cloud.agora.protocol.usage;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.Keccak256;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eth.PrecomputedNonceSigner;
import cloud.agora.protocol.eth.Secp256k1;
import cloud.agora.protocol.eth.SignerKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;

/**
 * One signature over many receipts: {@code signer} attests every receipt whose hash is a leaf of the
 * {@link ReceiptMerkleTree} with root {@code root}. An agent attests the receipts it ships (instead of one provider
 * signature each), the gateway the receipts it witnessed (instead of one counter-signature each); billing then
 * checks one signature per batch, and a receipt's proof carries its path to each attesting root.
 *
 * <p>The signed digest is {@code keccak256(tag ‖ root)} with the 32-byte ASCII tag {@value #ENCODING_TAG}
 * zero-padded and the 32-byte root; the signature is EIP-191 {@code personal_sign} over the digest's 32 bytes.
 *
 * @param signer    who attests (a provider or a gateway key)
 * @param root      0x hex of the batch's Merkle root
 * @param signature 0x r‖s‖v
 */
public record BatchAttestation(Address signer, String root, String signature) {

    /** Versions the digest. */
    public static final String ENCODING_TAG = "agora.receipt-batch.v1";

    public BatchAttestation {
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(signature, "signature");
        if (Numeric.hexStringToByteArray(root).length != 32) {
            throw new IllegalArgumentException("a batch root is 32 bytes");
        }
    }

    /** {@code key}'s attestation of the receipts with these hashes. */
    public static BatchAttestation sign(Collection<byte[]> receiptHashes, ECKeyPair key) {
        byte[] root = ReceiptMerkleTree.of(receiptHashes).root();
        return new BatchAttestation(PersonalSignature.addressOf(key), Numeric.toHexString(root),
                PersonalSignature.toHex(Secp256k1.signPrefixed(digest(root), key)));
    }

    /** {@code signer}'s attestation of the receipts with these hashes, with a nonce computed ahead if one is ready. */
    public static BatchAttestation sign(Collection<byte[]> receiptHashes, PrecomputedNonceSigner signer) {
        byte[] root = ReceiptMerkleTree.of(receiptHashes).root();
        return new BatchAttestation(signer.address(), Numeric.toHexString(root),
                PersonalSignature.toHex(signer.signPrefixed(digest(root))));
    }

    /** What is signed for a batch with root {@code root}. */
    public static byte[] digest(byte[] root) {
        byte[] tag = ENCODING_TAG.getBytes(StandardCharsets.US_ASCII);
        return Keccak256.hash(ByteBuffer.allocate(64).put(tag).put(new byte[32 - tag.length]).put(root).array());
    }

    /** Whether the signature is {@code signer}'s over this root ({@code keys} keeps recovered keys). */
    public boolean signatureValid(SignerKeys keys) {
        return keys.signedBy(digest(Numeric.hexStringToByteArray(root)), signature, signer);
    }

    /**
     * Why this attestation does not cover exactly the receipts with these hashes, if it does not: {@code root} is not
     * their {@link ReceiptMerkleTree} root, or the signature is not {@code signer}'s over it (one signature check).
     */
    public Optional<String> problem(Collection<byte[]> receiptHashes, SignerKeys keys) {
        byte[] computed = ReceiptMerkleTree.of(receiptHashes).root();
        if (!Arrays.equals(computed, Numeric.hexStringToByteArray(root))) {
            return Optional.of("the attested root " + root + " is not the root of the batch's receipts ("
                    + Numeric.toHexString(computed) + ")");
        }
        try {
            if (!signatureValid(keys)) {
                return Optional.of("the batch attestation is not signed by " + signer);
            }
        } catch (RuntimeException e) {
            return Optional.of("the batch attestation's signature is invalid: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Whether {@code path} links {@code receiptHash} to this batch's root. */
    public boolean covers(byte[] receiptHash, List<byte[]> path) {
        return ReceiptMerkleTree.verify(path, Numeric.hexStringToByteArray(root), receiptHash);
    }
}
