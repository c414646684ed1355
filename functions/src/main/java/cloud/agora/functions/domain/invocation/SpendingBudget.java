package cloud.agora.functions.domain.invocation;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.persistence.CreditStore;
import cloud.agora.support.problem.ProblemException;
import io.quarkus.scheduler.Scheduled;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The gateways never grant calls that could cost a developer more than billing's newest spendable credit: a provider
 * serving a developer who stops paying is owed nothing the escrow cannot pay.
 *
 * <p><b>The bound.</b> Billing's figure {@code spendable(t) = min(balance − pending withdrawal, cap left) − unpaid(t)}
 * covers every receipt rated by its time {@code t}. Every call not rated by then was granted after
 * {@code t − rating lag} ({@code agora.functions.spending-rating-lag}: recording, shipping, ingestion and clock skew).
 * Before it grants a call the gateway takes the most that call can be charged ({@code ReceiptBounds.maxCharge}: the
 * grant's timeout, the lease's quota and memory, the lease's prices; billing refuses any receipt above it) out of a
 * claim on that figure; all claims usable since {@code t − rating lag} together never exceed {@code spendable(t)}. So
 * the developer's charges stay within what the escrow holds for billing: unpaid + granted ≤ balance, cap. A call that
 * does not fit is refused with 402 {@code credit-exhausted} before any grant, and reaches no agent.
 *
 * <p><b>Shared across gateway instances.</b> Claims live in PostgreSQL ({@code spending_claims}); an instance claims a
 * sixteenth of the spendable credit (or one call's maximum, if larger) under a lock of the developer's row, grants
 * against it in memory on the event loop with no database round trip, and gives back what it did not grant when the
 * claim's life ({@code spending-claim-life}) ends or it claims again. An instance that dies leaves its claim counted
 * until it ages out of the window (the safe side). Claims run on a worker thread, never on the event loop.
 *
 * <p><b>Limits.</b> Each call is held at its maximum until it ages out, not at its real charge: a developer whose
 * functions have long timeouts needs credit for that many calls' maxima per window. A receipt rated more than the
 * rating lag after its grant (a provider shipping late, billing far behind) falls outside the bound. A developer with
 * no spendable figure yet (no decision recorded since this gateway started keeping them) gets nothing granted until
 * billing's next review or a deployment's credit check records one.
 */
@ApplicationScoped
public class SpendingBudget {

    private static final Logger LOG = Logger.getLogger(SpendingBudget.class);
    /** A claim takes this fraction of the spendable credit (or one call's maximum, if larger). */
    static final int SHARES = 16;
    private static final CompletableFuture<Void> GRANTED = CompletableFuture.completedFuture(null);

    private final CreditStore store;
    private final Clock clock;
    private final Vertx vertx;
    private final Duration ratingLag;
    private final Duration claimLife;
    private final ConcurrentHashMap<String, Share> shares = new ConcurrentHashMap<>();

    public SpendingBudget(CreditStore store, Clock clock, Vertx vertx, FunctionsConfig config) {
        this.store = store;
        this.clock = clock;
        this.vertx = vertx;
        this.ratingLag = config.spendingRatingLag();
        this.claimLife = config.spendingClaimLife();
    }

    /** Refused: granting the call could take its owner's charges past the credit billing last reported. */
    public static final class CreditCommittedException extends ProblemException {
        CreditCommittedException(String function, String owner, BigInteger maxCharge, BigInteger spendable,
                BigInteger held) {
            super(402, "credit-exhausted", "The function's owner has no credit for this call", spendable == null
                    ? "billing has not reported the spendable credit of '" + function + "''s owner yet"
                    : "the call could cost up to " + maxCharge + " wei; calls granted recently may cost up to " + held
                            + " wei of the owner's spendable " + spendable + " wei, and billing has not rated them yet",
                    spendable == null ? Map.of("function", function, "owner", owner, "maxChargeWei", maxCharge.toString())
                            : Map.of("function", function, "owner", owner, "maxChargeWei", maxCharge.toString(),
                                    "spendableWei", spendable.toString(), "heldWei", held.toString()));
        }
    }

    /** Refused: the claims cannot be read or written now. */
    public static final class BudgetUnavailableException extends ProblemException {
        BudgetUnavailableException(String function) {
            super(503, "credit-unavailable", "The owner's credit cannot be checked now",
                    "the gateway cannot claim credit for calls of '" + function + "' now; retry shortly",
                    Map.of("function", function));
        }
    }

    /**
     * Takes {@code maxCharge} for one call of {@code function} out of {@code owner}'s credit: at once when this
     * instance's share holds it, else after claiming a new share on a worker thread. Fails with
     * {@link CreditCommittedException} when the credit does not cover it.
     */
    public CompletionStage<Void> reserve(String function, String owner, BigInteger maxCharge) {
        String key = owner.toLowerCase(Locale.ROOT);
        Share share = shares.get(key);
        if (share != null && share.take(maxCharge, clock.instant())) {
            return GRANTED;
        }
        return vertx.<Void>executeBlocking(() -> {
            claim(function, key, maxCharge);
            return null;
        }, false).toCompletionStage();
    }

    private void claim(String function, String key, BigInteger maxCharge) {
        Instant now = clock.instant();
        Share current = shares.get(key);
        if (current != null && current.take(maxCharge, now)) {
            return; // another call claimed meanwhile
        }
        CreditClaim claim;
        try {
            claim = store.claim(key, maxCharge, SHARES, now, now.plus(claimLife), ratingLag);
        } catch (RuntimeException e) {
            LOG.warnf("spending budget: cannot claim credit of %s: %s", key, e.getMessage());
            throw new BudgetUnavailableException(function);
        }
        if (!claim.granted()) {
            throw new CreditCommittedException(function, key, maxCharge, claim.spendable(), claim.held());
        }
        Share fresh = new Share(claim.id(), claim.amount(), now.plus(claimLife));
        fresh.take(maxCharge, now);
        Share replaced = shares.put(key, fresh);
        if (replaced != null) {
            retire(replaced, now);
        }
    }

    /** Gives back what shares whose life ended did not grant. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retireExpired() {
        Instant now = clock.instant();
        shares.forEach((key, share) -> {
            if (share.expired(now) && shares.remove(key, share)) {
                retire(share, now);
            }
        });
    }

    private void retire(Share share, Instant now) {
        BigInteger used = share.close();
        try {
            store.retire(share.claimId, used, now);
        } catch (RuntimeException e) {
            // the claim stays counted whole until it ages out: the safe side
            LOG.warnf("spending budget: claim %d keeps its whole amount: %s", share.claimId, e.getMessage());
        }
    }

    /** One claim held by this instance: what is left of it, until when, and whether it was given back. */
    private static final class Share {
        private final long claimId;
        private final BigInteger amount;
        private final Instant usableUntil;
        private BigInteger used = BigInteger.ZERO;
        private boolean closed;

        Share(long claimId, BigInteger amount, Instant usableUntil) {
            this.claimId = claimId;
            this.amount = amount;
            this.usableUntil = usableUntil;
        }

        /** Takes {@code charge} if the share is open, unexpired and holds it. */
        synchronized boolean take(BigInteger charge, Instant now) {
            if (closed || !now.isBefore(usableUntil) || used.add(charge).compareTo(amount) > 0) {
                return false;
            }
            used = used.add(charge);
            return true;
        }

        synchronized boolean expired(Instant now) {
            return !now.isBefore(usableUntil);
        }

        /** Closes the share: nothing more is taken from it; returns what was taken. */
        synchronized BigInteger close() {
            closed = true;
            return used;
        }
    }
}
