package cloud.agora.contracts.chain;

import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;

/**
 * A mined, successful transaction.
 *
 * @param transactionHash   0x-prefixed hash
 * @param blockNumber       the block that contains it
 * @param gasUsed           the gas it used
 * @param effectiveGasPrice what the sender paid per gas, in wei
 */
public record TxReceipt(String transactionHash, long blockNumber, BigInteger gasUsed, BigInteger effectiveGasPrice) {

    /** What the sender paid for the gas. */
    public Wei cost() {
        return new Wei(gasUsed.multiply(effectiveGasPrice));
    }
}
