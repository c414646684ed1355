package cloud.agora.billing.domain;

import cloud.agora.protocol.usage.UsageReceipt;
import java.math.BigInteger;

/**
 * A receipt that passed every check, with its Merkle leaf and its charge.
 *
 * @param receipt the signed receipt
 * @param hash    {@link UsageReceipt#hashHex()}: its leaf in a voucher's Merkle tree
 * @param charge  wei, under {@link LeaseTerms#charge}
 */
public record RatedReceipt(UsageReceipt receipt, String hash, BigInteger charge) {
}
