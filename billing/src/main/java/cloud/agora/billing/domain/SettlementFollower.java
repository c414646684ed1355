package cloud.agora.billing.domain;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.billing.domain.EscrowLedger.Deposited;
import cloud.agora.billing.domain.EscrowLedger.EscrowEvent;
import cloud.agora.billing.domain.EscrowLedger.Redeemed;
import cloud.agora.billing.metrics.BillingMeters;
import cloud.agora.billing.persistence.SettlementRepository;
import cloud.agora.billing.persistence.SettlementRepository.Cursor;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.billing.persistence.VoucherRepository;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.billing.SettlementView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.support.outbox.Outbox;
import cloud.agora.support.outbox.OutboxRelay;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Follows the escrow on chain: redeems (which settle vouchers) and deposits (which restore credit), applied only
 * once {@code agora.billing.settlement.confirmations} blocks contain or follow them, each block range in one
 * transaction with the cursor, and published on {@code billing.settlements.v1} through the outbox.
 *
 * <p><b>Reorganisations.</b> The cursor keeps the hash of the last block applied. When the chain no longer has
 * that hash (a reorganisation deeper than the confirmation depth), every redeem and deposit recorded in the last
 * {@value #REORG_WINDOW} blocks whose block hash changed is forgotten ({@code SettlementReverted} is published for
 * each redeem, the pair's redeemed figure falls back), and the window is read again: redeems that were mined again
 * are recorded again under their new block hash (a new event id).
 */
@ApplicationScoped
public class SettlementFollower {

    static final int REORG_WINDOW = 64;
    private static final Logger LOG = Logger.getLogger(SettlementFollower.class);

    private final Transactions transactions;
    private final SettlementRepository settlements;
    private final VoucherRepository vouchers;
    private final EscrowLedger ledger;
    private final Outbox outbox;
    private final OutboxRelay relay;
    private final BillingConfig config;
    private final CreditController credit;
    private final Clock clock;
    private final BillingMeters meters;

    public SettlementFollower(Transactions transactions, SettlementRepository settlements, VoucherRepository vouchers,
            EscrowLedger ledger, Outbox outbox, OutboxRelay relay, BillingConfig config, CreditController credit, Clock clock,
            BillingMeters meters) {
        this.transactions = transactions;
        this.settlements = settlements;
        this.vouchers = vouchers;
        this.ledger = ledger;
        this.outbox = outbox;
        this.relay = relay;
        this.config = config;
        this.credit = credit;
        this.clock = clock;
        this.meters = meters;
    }

    @Scheduled(every = "${agora.billing.settlement.interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!config.settlement().enabled() || !ledger.configured()) {
            return;
        }
        try {
            while (follow() > 0) {
                // caught up range by range
            }
        } catch (RuntimeException e) {
            LOG.warnf("settlement: will retry: %s", e.getMessage());
        }
    }

    /** Applies the next confirmed block range; returns how many blocks it covered (0 when caught up). */
    public synchronized long follow() {
        long head = ledger.headBlock();
        long safe = head - (config.settlement().confirmations() - 1);
        Optional<Cursor> cursor = transactions.read(settlements::cursor);
        if (cursor.isPresent() && !ledger.blockHash(cursor.get().blockNumber()).orElse("").equals(cursor.get().blockHash())) {
            rewind(cursor.get());
            return 1;
        }
        long from = cursor.map(c -> c.blockNumber() + 1).orElse(config.settlement().startBlock());
        if (from > safe) {
            meters.settlementBehind(0);
            return 0;
        }
        long to = Math.min(safe, from + config.settlement().maxBlockRange() - 1);
        List<EscrowEvent> events = ledger.events(from, to);
        String toHash = ledger.blockHash(to).orElseThrow(() -> new ChainUnavailableException("block " + to + " vanished"));
        Set<Address> touched = new HashSet<>();
        List<Redeemed> recorded = new java.util.ArrayList<>();
        transactions.inTransaction(c -> {
            recorded.clear();
            apply(c, events, touched, recorded);
            settlements.moveCursor(c, new Cursor(to, toHash));
            return null;
        });
        meters.redeemed(recorded); // committed
        meters.settlementBehind(safe - to);
        relay.nudge();
        if (!touched.isEmpty()) {
            credit.review(touched);
        }
        return to - from + 1;
    }

    private void apply(Connection c, List<EscrowEvent> events, Set<Address> touched, List<Redeemed> recorded)
            throws SQLException {
        for (EscrowEvent event : events) {
            if (event instanceof Redeemed r) {
                int seq = vouchers.sequenceOf(c, r.consumer(), r.provider(), r.receiptsRoot());
                if (settlements.addRedeem(c, r, seq)) {
                    recorded.add(r);
                    publish(c, BillingEvents.SETTLEMENT_CONFIRMED, r, seq);
                    touched.add(r.consumer());
                }
            } else if (event instanceof Deposited d) {
                if (settlements.addDeposit(c, d)) {
                    touched.add(d.consumer());
                }
            }
        }
    }

    private void rewind(Cursor stale) {
        long back = Math.max(-1, stale.blockNumber() - REORG_WINDOW);
        Map<Long, Set<String>> recorded = transactions.read(c -> settlements.blocksAfter(c, back));
        Map<Long, Optional<String>> now = new java.util.HashMap<>();
        for (Long block : recorded.keySet()) {
            now.put(block, ledger.blockHash(block));
        }
        Optional<String> backHash = back < 0 ? Optional.of("") : ledger.blockHash(back);
        Set<Address> touched = new HashSet<>();
        List<Redeemed> reverted = new java.util.ArrayList<>();
        int forgotten = transactions.inTransaction(c -> {
            reverted.clear();
            int count = 0;
            for (Map.Entry<Long, Set<String>> entry : recorded.entrySet()) {
                for (String hash : entry.getValue()) {
                    if (!now.get(entry.getKey()).orElse("").equals(hash)) {
                        for (Redeemed r : settlements.forget(c, entry.getKey(), hash)) {
                            publish(c, BillingEvents.SETTLEMENT_REVERTED, r, vouchers.sequenceOf(c, r.consumer(), r.provider(),
                                    r.receiptsRoot()));
                            touched.add(r.consumer());
                            reverted.add(r);
                            count++;
                        }
                    }
                }
            }
            settlements.moveCursor(c, new Cursor(back, backHash.orElse("")));
            return count;
        });
        meters.reverted(reverted); // committed
        LOG.warnf("settlement: reorganisation below block %d: %d redeems forgotten, reading again from block %d",
                stale.blockNumber(), forgotten, back + 1);
        relay.nudge();
        if (!touched.isEmpty()) {
            credit.review(touched);
        }
    }

    private void publish(Connection c, String type, Redeemed r, int seq) throws SQLException {
        SettlementView view = new SettlementView(r.consumer(), r.provider(), seq, r.redeemed(), r.payment(), r.fee(),
                r.receiptsRoot(), r.transactionHash(), r.blockNumber());
        // the same redeem in the same block always has the same event id: consumers deduplicate redeliveries
        String id = UUID.nameUUIDFromBytes((type + r.transactionHash() + ":" + r.logIndex() + ":" + r.blockHash())
                .getBytes(StandardCharsets.UTF_8)).toString();
        outbox.append(c, Topics.BILLING_SETTLEMENTS, new EventEnvelope<>(id, type, BillingEvents.SOURCE, clock.instant(),
                r.consumer().checksummed(), view));
    }
}
