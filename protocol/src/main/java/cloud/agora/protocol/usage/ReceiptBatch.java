package cloud.agora.protocol.usage;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.SignerKeys;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;

/**
 * A provider's batch: receipts its agent ships, attested by one provider signature over the Merkle root of their
 * hashes ({@link BatchAttestation}) instead of one signature each. Every receipt of the batch is the attesting
 * provider's; a receipt of a batch may also carry its own provider signature (the one its gateway checked), which is
 * then not needed. Travels on {@code usage.receipts.v1} as {@value UsageEvents#RECEIPT_BATCH} and in
 * {@code POST /api/v1/usage/batches} with its {@code attestation}.
 *
 * @param attestation the provider's signature over the batch root
 * @param receipts    at least one, at most {@value #MAX_RECEIPTS}
 */
public record ReceiptBatch(BatchAttestation attestation, List<UsageReceipt> receipts) {

    /**
     * The most receipts in one batch: its JSON (about 1.3 KB per receipt with its grant and signature) then stays
     * under Kafka's default 1 MiB record limit.
     */
    public static final int MAX_RECEIPTS = 500;

    public ReceiptBatch {
        Objects.requireNonNull(attestation, "attestation");
        Objects.requireNonNull(receipts, "receipts");
        receipts = List.copyOf(receipts);
        if (receipts.isEmpty() || receipts.size() > MAX_RECEIPTS) {
            throw new IllegalArgumentException("a receipt batch holds 1 to " + MAX_RECEIPTS + " receipts, not " + receipts.size());
        }
    }

    /** {@code providerKey}'s batch of {@code receipts} (each must be that provider's). */
    public static ReceiptBatch sign(List<UsageReceipt> receipts, ECKeyPair providerKey) {
        return new ReceiptBatch(BatchAttestation.sign(receipts.stream().map(UsageReceipt::hash).toList(), providerKey), receipts);
    }

    /**
     * Why the attestation does not cover these receipts, if it does not: a receipt of another provider, a root that
     * is not the root of the receipts' hashes, or a signature that is not the signer's.
     *
     * @param hashes the receipts' hashes, in order ({@link UsageReceipt#hash()}; computed once by the caller)
     * @param keys   kept public keys (one signature check per batch)
     */
    public Optional<String> problem(List<byte[]> hashes, SignerKeys keys) {
        Address signer = attestation.signer();
        for (UsageReceipt receipt : receipts) {
            if (!receipt.provider().equals(signer)) {
                return Optional.of("receipt " + receipt.invocationId() + " is provider " + receipt.provider()
                        + "'s, the batch is attested by " + signer);
            }
        }
        return attestation.problem(hashes, keys);
    }

    /** The receipts' hashes, in order. */
    public List<byte[]> hashes() {
        return receipts.stream().map(UsageReceipt::hash).toList();
    }

    /** The 0x hex forms of {@code hashes}. */
    public static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(Numeric::toHexString).toList();
    }
}
