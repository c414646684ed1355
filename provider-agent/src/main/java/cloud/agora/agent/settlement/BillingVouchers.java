package cloud.agora.agent.settlement;

import cloud.agora.protocol.billing.VoucherView;
import java.util.List;

/** Billing's vouchers for this provider ({@code GET /api/v1/vouchers?provider=}): the latest per developer. */
public interface BillingVouchers {

    /** The latest voucher of every developer that owes this provider. */
    List<VoucherView> latest();
}
