package cloud.agora.billing.domain;

import cloud.agora.support.jdbc.Transactions;
import cloud.agora.billing.persistence.VoucherRepository;
import cloud.agora.billing.persistence.VoucherRepository.PairState;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.support.outbox.Outbox;
import cloud.agora.support.outbox.OutboxRelay;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Credit control: a developer whose escrow balance minus unpaid charges is below the governed floor is paused
 * ({@code CreditExhausted} on {@code billing.credit.v1}: functions stops routing their calls) and resumed
 * ({@code CreditRestored}) when a deposit or a lower charge brings them back. Only changes are published. The floor
 * is governed ({@link BillingRules#creditFloor()}).
 * Reviewed after every chain range that touched the developer, and for everyone on a timer (charges grow with
 * usage).
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

    public CreditController(Transactions transactions, VoucherRepository pairs, EscrowLedger ledger, Outbox outbox,
            OutboxRelay relay, BillingRules rules, Clock clock) {
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

    /** Decides and, on a change, publishes each developer's credit. */
    public void review(Collection<Address> consumers) {
        BigInteger floor = rules.creditFloor();
        boolean published = false;
        for (Address consumer : consumers) {
            BigInteger balance = ledger.balanceOf(consumer).value();
            published |= transactions.inTransaction(c -> {
                List<PairState> owed = pairs.pairsOf(c, consumer, true);
                BigInteger unpaid = owed.stream().map(PairState::unpaid).reduce(BigInteger.ZERO, BigInteger::add);
                boolean paused = balance.subtract(unpaid).compareTo(floor) < 0;
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
                        INSERT INTO credit (consumer_address, balance, paused, decided_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (consumer_address) DO UPDATE SET balance = EXCLUDED.balance, paused = EXCLUDED.paused,
                            decided_at = EXCLUDED.decided_at""")) {
                    s.setString(1, consumer.value());
                    s.setBigDecimal(2, new BigDecimal(balance));
                    s.setBoolean(3, paused);
                    s.setTimestamp(4, Timestamp.from(clock.instant()));
                    s.executeUpdate();
                }
                if ((before == null && !paused) || (before != null && before == paused)) {
                    return false;
                }
                CreditView view = new CreditView(consumer, new cloud.agora.protocol.money.Wei(balance),
                        new cloud.agora.protocol.money.Wei(unpaid), new cloud.agora.protocol.money.Wei(floor), paused);
                outbox.append(c, Topics.BILLING_CREDIT, EventEnvelope.of(
                        paused ? BillingEvents.CREDIT_EXHAUSTED : BillingEvents.CREDIT_RESTORED, BillingEvents.SOURCE,
                        clock.instant(), consumer.checksummed(), view));
                LOG.infof("credit: %s %s (balance %s, unpaid %s, floor %s)", consumer, paused ? "paused" : "resumed",
                        balance, unpaid, floor);
                return true;
            });
        }
        if (published) {
            relay.nudge();
        }
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
