package cloud.agora.contracts.chain;

import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.money.Wei;

/**
 * What a redeem paid, read from its {@code VoucherRedeemed} event.
 *
 * @param receipt      the transaction
 * @param payment      what the provider received
 * @param fee          what accrued to the treasury
 * @param redeemed     what the pair has redeemed in total now
 * @param receiptsRoot the Merkle root of the usage receipts the voucher paid for
 */
public record Redemption(TxReceipt receipt, Wei payment, Wei fee, Wei redeemed, Bytes32 receiptsRoot) {
}
