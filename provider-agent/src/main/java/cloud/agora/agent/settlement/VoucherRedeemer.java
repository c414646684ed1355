package cloud.agora.agent.settlement;

import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Redemption;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Redeems billing's vouchers automatically when it is worth the gas: for each developer's latest
 * voucher, the increment is what the escrow would pay now — min(cumulative − already redeemed on
 * chain, the developer's escrow balance) — and it is redeemed only when
 * {@code increment × (10000 − feeBps) / 10000 > gasCostEstimate} (integer wei, rounded down).
 * The amounts already redeemed are read from the chain, not from billing, so a voucher is never
 * submitted twice for the same money; a redeem that reverts is logged and tried again next round.
 */
public final class VoucherRedeemer {

    private static final Logger LOG = Logger.getLogger(VoucherRedeemer.class);
    private static final BigInteger BPS = BigInteger.valueOf(10_000);

    private final BillingVouchers vouchers;
    private final Escrow escrow;
    private final Signer provider;
    private final Wei gasCostEstimate;

    public VoucherRedeemer(BillingVouchers vouchers, Escrow escrow, Signer provider, Wei gasCostEstimate) {
        this.vouchers = vouchers;
        this.escrow = escrow;
        this.provider = provider;
        this.gasCostEstimate = gasCostEstimate;
    }

    /** What one round did per voucher: the net amount it would have brought and whether it was redeemed. */
    public record Decision(Address consumer, Wei increment, Wei net, boolean redeemed) {
    }

    /** One round: fetch the latest vouchers, redeem those worth it. */
    public synchronized List<Decision> redeemWorthwhile() {
        List<Decision> decisions = new ArrayList<>();
        int feeBps = escrow.feeBps();
        for (VoucherView view : vouchers.latest()) {
            Voucher voucher = view.voucher().voucher();
            if (!voucher.provider().equals(provider.address())) {
                continue;
            }
            BigInteger owed = voucher.cumulativeAmount().value()
                    .subtract(escrow.redeemed(voucher.consumer(), voucher.provider()).value());
            BigInteger increment = owed.min(escrow.balanceOf(voucher.consumer()).value()).max(BigInteger.ZERO);
            BigInteger net = increment.multiply(BPS.subtract(BigInteger.valueOf(feeBps))).divide(BPS);
            boolean worth = net.compareTo(gasCostEstimate.value()) > 0;
            boolean redeemed = false;
            if (worth) {
                try {
                    Redemption r = escrow.redeem(provider, view.voucher());
                    redeemed = true;
                    LOG.infof("redeemed voucher %d of %s: %s paid, %s fee", view.sequence(), voucher.consumer(), r.payment(),
                            r.fee());
                } catch (RuntimeException e) {
                    LOG.warnf("redeeming voucher %d of %s failed, will retry: %s", view.sequence(), voucher.consumer(),
                            e.getMessage());
                }
            }
            decisions.add(new Decision(voucher.consumer(), new Wei(increment), new Wei(net), redeemed));
        }
        return decisions;
    }
}
