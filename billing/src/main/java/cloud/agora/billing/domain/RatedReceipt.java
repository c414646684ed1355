package cloud.agora.billing.domain;

import cloud.agora.billing.persistence.WitnessRepository.Witness;
import cloud.agora.protocol.usage.UsageReceipt;
import java.math.BigInteger;

/**
 * A receipt that passed every check, with its Merkle leaf, its charge and the batches that attested it.
 *
 * @param receipt       the receipt
 * @param hash          {@link UsageReceipt#hashHex()}: its leaf in a voucher's Merkle tree
 * @param charge        wei, under {@link LeaseTerms#charge}
 * @param providerBatch the root of the provider's batch that attested it, or null (its own provider signature)
 * @param witness       the gateway's witness batch, or null (its own counter-signature)
 */
public record RatedReceipt(UsageReceipt receipt, String hash, BigInteger charge, String providerBatch, Witness witness) {

    public RatedReceipt(UsageReceipt receipt, String hash, BigInteger charge) {
        this(receipt, hash, charge, null, null);
    }
}
