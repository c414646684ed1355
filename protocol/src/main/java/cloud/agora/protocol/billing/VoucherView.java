package cloud.agora.protocol.billing;

import cloud.agora.protocol.eip712.SignedVoucher;
import java.time.Instant;

/**
 * A cumulative voucher billing signed with its delegate key, as a provider fetches it to redeem.
 *
 * @param sequence     1 for the pair's first voucher, then 2, 3, ...
 * @param voucher      the signed voucher, ready for {@code AgoraEscrow.redeem}
 * @param receipts     how many receipts its root commits to (all the pair's receipts up to it)
 * @param issuedAt     when billing signed it
 * @param redeemed     whether its redeem is confirmed on chain
 */
public record VoucherView(long sequence, SignedVoucher voucher, long receipts, Instant issuedAt, boolean redeemed) {
}
