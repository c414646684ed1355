package cloud.agora.billing.domain;

import cloud.agora.support.jdbc.Transactions;
import cloud.agora.billing.persistence.VoucherRepository;
import cloud.agora.billing.persistence.VoucherRepository.PairState;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.money.Wei;
import cloud.agora.support.outbox.Outbox;
import cloud.agora.support.outbox.OutboxRelay;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Collection;
import org.jboss.logging.Logger;

/**
 * Credit control: a developer whose {@link Credit} says so — billing not their delegate (or a revoke requested), or
 * {@code min(balance − pending withdrawal, cap left) − unpaid} below the governed floor — is paused
 * ({@code CreditExhausted} on {@code billing.credit.v1}: functions stops routing their calls) and resumed
 * ({@code CreditRestored}) when a deposit, an authorization or a lower charge brings them back; a review that changes
 * neither publishes {@code CreditReviewed} with its figures (the gateways hold what they grant under the newest
 * spendable credit). The floor is governed ({@link BillingRules#creditFloor()}).
 * Reviewed after every chain range that touched the developer, and for everyone with charges or an open lease on a
 * timer (charges grow with usage; withdrawals and delegation changes are read from the escrow at each review).
 */
@ApplicationScoped
public class CreditController {

    private static final Logger LOG = Logger.getLogger(CreditController.class);

    private final Transactions transactions;
    private final VoucherRepository pairs;
    private final EscrowLedger ledger;
    private final Outbox outbox;
    private final OutboxRelay relay;
    private final BillingRules rules;
    private final Clock clock;
    private final DelegateKey delegateKey;

    public CreditController(Transactions transactions, VoucherRepository pairs, EscrowLedger ledger, Outbox outbox,
            OutboxRelay relay, BillingRules rules, Clock clock, DelegateKey delegateKey) {
        this.delegateKey = delegateKey;
        this.transactions = transactions;
        this.pairs = pairs;
        this.ledger = ledger;
        this.outbox = outbox;
        this.relay = relay;
        this.rules = rules;
        this.clock = clock;
    }

    @Scheduled(every = "${agora.billing.credit.interval:10s}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!ledger.configured()) {
            return;
        }
        try {
            review(transactions.read(pairs::consumers));
        } catch (RuntimeException e) {
            LOG.warnf("credit: will retry: %s", e.getMessage());
        }
    }

    /** Decides and publishes each developer's credit ({@link Credit}). */
    public void review(Collection<Address> consumers) {
        for (Address consumer : consumers) {
            decide(consumer);
        }
        if (!consumers.isEmpty()) {
            relay.nudge();
        }
    }

    /**
     * Decides {@code consumer}'s credit now, records it and publishes it: what a developer (or the functions service on
     * their behalf, before a deployment) asks for, so that an authorization or a deposit resumes them at once rather
     * than at the next timed review.
     */
    public Credit reviewNow(Address consumer) {
        requireChain();
        Decision decision = decide(consumer);
        relay.nudge();
        return decision.credit();
    }

    private record Decision(Credit credit, boolean changed) {
    }

    private Decision decide(Address consumer) {
        Wei floor = new Wei(rules.creditFloor());
        EscrowLedger.Standing standing = ledger.standing(consumer);
        return transactions.inTransaction(c -> {
            // one decision per developer at a time, also before their first row exists (a timed review and a
            // developer's question racing would otherwise both see no row and both publish a first decision)
            try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                s.setString(1, "credit:" + consumer.value());
                s.execute();
            }
            Credit credit = credit(c, consumer, standing, floor);
            boolean paused = credit.paused();
            Boolean before = null;
            try (PreparedStatement s = c.prepareStatement("SELECT paused FROM credit WHERE consumer_address = ? FOR UPDATE")) {
                s.setString(1, consumer.value());
                try (ResultSet r = s.executeQuery()) {
                    if (r.next()) {
                        before = r.getBoolean(1);
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO credit (consumer_address, balance, paused, decided_at, reason, spendable)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (consumer_address) DO UPDATE SET balance = EXCLUDED.balance, paused = EXCLUDED.paused,
                        decided_at = EXCLUDED.decided_at, reason = EXCLUDED.reason, spendable = EXCLUDED.spendable""")) {
                s.setString(1, consumer.value());
                s.setBigDecimal(2, new BigDecimal(credit.balance().value()));
                s.setBoolean(3, paused);
                s.setTimestamp(4, Timestamp.from(clock.instant()));
                s.setString(5, credit.reason().orElse(null));
                s.setBigDecimal(6, new BigDecimal(credit.spendable()));
                s.executeUpdate();
            }
            boolean changed = !((before == null && !paused) || (before != null && before == paused));
            String type = !changed ? BillingEvents.CREDIT_REVIEWED
                    : paused ? BillingEvents.CREDIT_EXHAUSTED : BillingEvents.CREDIT_RESTORED;
            outbox.append(c, Topics.BILLING_CREDIT, EventEnvelope.of(type, BillingEvents.SOURCE, clock.instant(),
                    consumer.checksummed(), credit.view(consumer)));
            if (!changed) {
                return new Decision(credit, false);
            }
            LOG.infof("credit: %s %s (%s; balance %s, pending withdrawal %s, cap left %s, unpaid %s, spendable %s,"
                    + " floor %s)", consumer, paused ? "paused" : "resumed", credit.reason().orElse("covered"),
                    credit.balance(), credit.pendingWithdrawal(), credit.capRemaining().map(Wei::toString).orElse("-"),
                    credit.unpaid(), credit.spendable(), floor);
            return new Decision(credit, true);
        });
    }

    /** The developer's credit decided now from the chain and the charges, without recording or publishing it. */
    public Credit current(Address consumer) {
        requireChain();
        EscrowLedger.Standing standing = ledger.standing(consumer);
        return transactions.read(c -> credit(c, consumer, standing, new Wei(rules.creditFloor())));
    }

    private void requireChain() {
        if (!ledger.configured()) {
            throw new ChainUnavailableException("no chain is configured (agora.chain.rpc-url, agora.chain.escrow-address)");
        }
    }

    /** {@link Credit#decide} with the developer's unpaid charges read on {@code c}. */
    private Credit credit(Connection c, Address consumer, EscrowLedger.Standing standing, Wei floor) throws SQLException {
        Wei unpaid = new Wei(pairs.pairsOf(c, consumer, true).stream().map(PairState::unpaid)
                .reduce(BigInteger.ZERO, BigInteger::add));
        return Credit.decide(standing, delegateKey.address(), unpaid, floor);
    }

    /** Whether the developer is paused now (false when never reviewed). */
    public boolean paused(Address consumer) {
        return transactions.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT paused FROM credit WHERE consumer_address = ?")) {
                s.setString(1, consumer.value());
                try (ResultSet r = s.executeQuery()) {
                    return r.next() && r.getBoolean(1);
                }
            }
        });
    }
}
