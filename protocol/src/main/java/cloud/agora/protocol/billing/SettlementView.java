package cloud.agora.protocol.billing;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;

/**
 * A redeem of a billing voucher, as billing saw it on chain at the confirmation depth: the payload of
 * {@code billing.settlements.v1}.
 *
 * @param consumer        the developer whose escrow paid
 * @param provider        who was paid
 * @param voucherSequence the billing voucher redeemed (1, 2, ... per pair), or 0 when billing did not issue it
 *                        (a voucher the developer signed themselves)
 * @param redeemed        what the pair has redeemed in total after this redeem
 * @param payment         what the provider received
 * @param fee             what accrued to the treasury
 * @param receiptsRoot    the Merkle root of the receipts the voucher pays for (0x hex)
 * @param transactionHash the redeem transaction
 * @param blockNumber     its block
 */
public record SettlementView(
        Address consumer,
        Address provider,
        long voucherSequence,
        Wei redeemed,
        Wei payment,
        Wei fee,
        String receiptsRoot,
        String transactionHash,
        long blockNumber) {
}
