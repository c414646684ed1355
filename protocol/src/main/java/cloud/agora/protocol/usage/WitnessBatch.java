package cloud.agora.protocol.usage;

import cloud.agora.protocol.eth.PrecomputedNonceSigner;
import cloud.agora.protocol.eth.SignerKeys;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;

/**
 * A gateway's witness batch: the hashes of receipts the gateway witnessed (each named the gateway's grant, passed
 * {@link ReceiptBounds} and matched what the gateway observed of its call), attested by one gateway signature over
 * their Merkle root ({@link BatchAttestation}) instead of one counter-signature each. The receipts themselves come
 * from their providers (per receipt or in a {@link ReceiptBatch}); billing rates a receipt once both attestations
 * cover its hash. Travels on {@code usage.receipts.v1} as {@value UsageEvents#WITNESS_BATCH}.
 *
 * @param attestation   the gateway's signature over the batch root
 * @param receiptHashes 0x hex of the witnessed receipts' hashes, at least one, at most {@value #MAX_RECEIPTS}
 */
public record WitnessBatch(BatchAttestation attestation, List<String> receiptHashes) {

    /** The most receipts one witness batch names. */
    public static final int MAX_RECEIPTS = 10_000;

    public WitnessBatch {
        Objects.requireNonNull(attestation, "attestation");
        Objects.requireNonNull(receiptHashes, "receiptHashes");
        receiptHashes = List.copyOf(receiptHashes);
        if (receiptHashes.isEmpty() || receiptHashes.size() > MAX_RECEIPTS) {
            throw new IllegalArgumentException("a witness batch names 1 to " + MAX_RECEIPTS + " receipts, not " + receiptHashes.size());
        }
        for (String hash : receiptHashes) {
            if (hash == null || Numeric.hexStringToByteArray(hash).length != 32) {
                throw new IllegalArgumentException("a receipt hash is 32 bytes: " + hash);
            }
        }
    }

    /** {@code gatewayKey}'s witness of the receipts with these hashes. */
    public static WitnessBatch sign(List<byte[]> receiptHashes, ECKeyPair gatewayKey) {
        return new WitnessBatch(BatchAttestation.sign(receiptHashes, gatewayKey), ReceiptBatch.hex(receiptHashes));
    }

    /** {@code signer}'s witness of the receipts with these hashes, with a nonce it computed ahead when one is ready. */
    public static WitnessBatch sign(List<byte[]> receiptHashes, PrecomputedNonceSigner signer) {
        return new WitnessBatch(BatchAttestation.sign(receiptHashes, signer), ReceiptBatch.hex(receiptHashes));
    }

    /** The hashes as bytes, in order. */
    public List<byte[]> hashes() {
        return receiptHashes.stream().map(Numeric::hexStringToByteArray).toList();
    }

    /**
     * Why the attestation does not cover these hashes, if it does not (root or signature).
     *
     * @param hashes {@link #hashes()} (decoded once by the caller)
     */
    public Optional<String> problem(List<byte[]> hashes, SignerKeys keys) {
        return attestation.problem(hashes, keys);
    }
}
