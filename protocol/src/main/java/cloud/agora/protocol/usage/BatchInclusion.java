package cloud.agora.protocol.usage;

import java.util.List;
import java.util.Objects;
import org.web3j.utils.Numeric;

/**
 * Where a receipt sits in an attested batch: the batch's attestation and the receipt's Merkle path to its root
 * (sibling hashes, leaf to root, in {@link ReceiptMerkleTree#verify} order). Part of a receipt's proof when the receipt
 * was attested in a batch instead of by a signature of its own.
 *
 * @param attestation the signed root
 * @param path        0x hex siblings from the receipt's hash up to {@code attestation.root()}
 */
public record BatchInclusion(BatchAttestation attestation, List<String> path) {

    public BatchInclusion {
        Objects.requireNonNull(attestation, "attestation");
        path = List.copyOf(path);
    }

    /** Whether the path links {@code receiptHash} to the attested root (the signature is checked separately). */
    public boolean covers(byte[] receiptHash) {
        return attestation.covers(receiptHash, path.stream().map(Numeric::hexStringToByteArray).toList());
    }
}
