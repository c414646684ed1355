package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.util.List;

/**
 * What one {@code redeemMany} transaction did: it paid the provider once for the vouchers in {@link #paid()} and
 * skipped those in {@link #skipped()} (each with the custom error {@code redeem} would have reverted with).
 *
 * @param receipt the transaction
 * @param paid    the vouchers paid, in the order they were submitted
 * @param skipped the vouchers that paid nothing, in the order they were submitted
 */
public record BatchRedemption(TxReceipt receipt, List<Paid> paid, List<Skipped> skipped) {

    public BatchRedemption {
        paid = List.copyOf(paid);
        skipped = List.copyOf(skipped);
    }

    /**
     * One paid voucher.
     *
     * @param consumer   who paid
     * @param redemption what it paid (its receipt is the batch's transaction)
     */
    public record Paid(Address consumer, Redemption redemption) {
    }

    /**
     * One skipped voucher.
     *
     * @param consumer         whose voucher it was
     * @param cumulativeAmount the voucher's cumulative amount
     * @param error            the custom error's name, e.g. {@code AgoraEscrowStaleVoucher}
     * @param args             its arguments, decoded as {@link ContractRevertedException#args()} are
     */
    public record Skipped(Address consumer, Wei cumulativeAmount, String error, List<Object> args) {
    }

    /** What the provider received in total. */
    public Wei payment() {
        return paid.stream().map(p -> p.redemption().payment()).reduce(Wei.ZERO, Wei::plus);
    }

    /** What accrued to the treasury in total. */
    public Wei fee() {
        return paid.stream().map(p -> p.redemption().fee()).reduce(Wei.ZERO, Wei::plus);
    }
}
