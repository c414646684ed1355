package cloud.agora.billing.domain;

import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.util.Optional;

/**
 * A developer's credit: what billing can still collect for them, counting everything the escrow holds against it.
 *
 * <pre>
 * spendable = min(balance − pending withdrawal, billing's remaining cap) − unpaid charges
 * </pre>
 *
 * The developer is paused when billing is not their delegate (never authorized, revoked, another delegate — a
 * requested revoke or replacement counts at once, although the escrow honours the old delegation for the withdrawal
 * delay) or when spendable is below the governed floor. A requested withdrawal counts at once too, and a requested
 * lower cap counts from the request. So every charge billing rates while a developer is not paused is covered twice:
 * by the balance that stays in the escrow and by a cap billing's vouchers may use. Without a delegate key billing signs
 * no vouchers (developers sign their own from the statement), and the cap term is left out.
 *
 * @param balance           the escrow balance
 * @param pendingWithdrawal a requested withdrawal (zero when none)
 * @param capRemaining      what billing's vouchers may still pay under the delegation (after a requested change);
 *                          empty when billing has no delegate key
 * @param unpaid            rated charges not yet redeemed
 * @param spendable         {@code min(balance − pending withdrawal, cap remaining) − unpaid}; negative when the
 *                          developer owes more than the escrow covers
 * @param floor             the governed floor
 * @param reason            why the developer is paused ({@value #NOT_AUTHORIZED} or {@value #BELOW_FLOOR}), empty
 *                          when they are not
 */
public record Credit(Wei balance, Wei pendingWithdrawal, Optional<Wei> capRemaining, Wei unpaid, BigInteger spendable,
        Wei floor, Optional<String> reason) {

    /** Billing is not the developer's delegate, or a revoke or another delegate is requested. */
    public static final String NOT_AUTHORIZED = CreditView.NOT_AUTHORIZED;
    /** Spendable credit is below the floor. */
    public static final String BELOW_FLOOR = CreditView.BELOW_FLOOR;

    /** The decision as billing publishes and answers it. */
    public CreditView view(Address consumer) {
        return new CreditView(consumer, balance, pendingWithdrawal, capRemaining.orElse(null), unpaid, spendable, floor,
                paused(), reason.orElse(null));
    }

    /** Whether the developer's calls must stop. */
    public boolean paused() {
        return reason.isPresent();
    }

    /**
     * Decides a developer's credit.
     *
     * @param standing       what the escrow holds for them
     * @param billingDelegate billing's delegate address, empty when billing has no delegate key
     * @param unpaid         their rated charges not yet redeemed
     * @param floor          the governed credit floor
     */
    public static Credit decide(EscrowLedger.Standing standing, Optional<Address> billingDelegate, Wei unpaid, Wei floor) {
        BigInteger available = standing.balance().value().subtract(standing.pendingWithdrawal().value()).max(BigInteger.ZERO);
        boolean authorized = billingDelegate.isEmpty() || authorized(standing, billingDelegate.get());
        Optional<Wei> capRemaining = billingDelegate.map(billing -> authorized ? capRemaining(standing) : Wei.ZERO);
        BigInteger covered = capRemaining.map(cap -> available.min(cap.value())).orElse(available);
        BigInteger spendable = covered.subtract(unpaid.value());
        Optional<String> reason = !authorized ? Optional.of(NOT_AUTHORIZED)
                : spendable.compareTo(floor.value()) < 0 ? Optional.of(BELOW_FLOOR) : Optional.empty();
        return new Credit(standing.balance(), standing.pendingWithdrawal(), capRemaining, unpaid, spendable, floor, reason);
    }

    private static boolean authorized(EscrowLedger.Standing standing, Address billing) {
        boolean now = standing.delegation().delegate().filter(billing::equals).isPresent();
        boolean after = standing.pendingChange().map(c -> c.delegate().filter(billing::equals).isPresent()).orElse(true);
        return now && after;
    }

    /** What the delegate in effect, billing, may still pay: its cap (a requested lower one counts) less what it spent. */
    private static Wei capRemaining(EscrowLedger.Standing standing) {
        EscrowLedger.Allowance now = standing.delegation();
        BigInteger cap = standing.pendingChange().map(c -> c.cap().value().min(now.cap().value())).orElse(now.cap().value());
        BigInteger left = cap.subtract(now.spent().value());
        return new Wei(left.max(BigInteger.ZERO));
    }
}
