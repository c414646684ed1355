package cloud.agora.protocol.billing;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;

/**
 * A developer's credit as billing decided it: the payload of {@code billing.credit.v1} and the answer of billing's
 * {@code GET /api/v1/accounts/{address}/credit}.
 *
 * <pre>
 * spendable = min(balance − pendingWithdrawal, capRemaining) − unpaid
 * </pre>
 *
 * @param consumer          the developer
 * @param balance           their escrow balance on chain
 * @param pendingWithdrawal a withdrawal they requested (zero when none): it backs no new charge
 * @param capRemaining      what billing's vouchers may still pay under their delegation (a requested lower cap counts
 *                          from the request; zero when billing is not their delegate); null when billing signs no
 *                          vouchers (the term is then left out)
 * @param unpaid            rated charges not yet redeemed
 * @param spendable         what billing can still collect beyond the unpaid charges (a JSON integer; negative
 *                          when they owe more than the escrow covers)
 * @param floor             the governed floor under which deployments pause
 * @param paused            whether their deployments must stop receiving calls
 * @param reason            why they are paused: {@value #NOT_AUTHORIZED} or {@value #BELOW_FLOOR}; null when not paused
 */
public record CreditView(Address consumer, Wei balance, Wei pendingWithdrawal, Wei capRemaining, Wei unpaid,
        BigInteger spendable, Wei floor, boolean paused, String reason) {

    /** Billing is not the developer's delegate now or after a requested change (never authorized, revoked, replaced). */
    public static final String NOT_AUTHORIZED = "not-authorized";
    /** Spendable credit is below the floor. */
    public static final String BELOW_FLOOR = "below-floor";
}
