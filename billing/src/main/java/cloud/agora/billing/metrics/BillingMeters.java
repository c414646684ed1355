package cloud.agora.billing.metrics;

import cloud.agora.billing.domain.EscrowLedger.Redeemed;
import cloud.agora.billing.domain.RatedReceipt;
import cloud.agora.billing.domain.RatingOutcome;
import cloud.agora.billing.domain.Rejection;
import cloud.agora.billing.domain.Rejection.Reasons;
import cloud.agora.billing.persistence.BacklogRepository;
import cloud.agora.billing.persistence.BacklogRepository.Backlog;
import cloud.agora.support.jdbc.Transactions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * What an operator watches of billing on {@code /q/metrics} (Prometheus): receipts rated and what they charged,
 * receipts quarantined by reason, rating batches and their duration, vouchers signed, redeems followed on chain, and
 * the backlogs (copies waiting for their witness, parked receipts, charges not yet vouchered or redeemed, blocks and
 * records not yet read). Every meter is registered once, here; tags take bounded values only (a quarantine reason of
 * {@link Reasons#ALL}, a topic), never a lease, a party or an invocation. Callers count what a transaction did only
 * after it committed: a rolled-back batch counts nothing. Amounts in wei are float64 in Prometheus (exact to about 15
 * significant digits): the database holds the exact figures. Names and tags are listed in the module README.
 */
@ApplicationScoped
public class BillingMeters {

    /** Receipts rated, each once ({@code agora_billing_receipts_rated_total}). */
    public static final String RATED = "agora.billing.receipts.rated";
    /** Wei charged by the receipts rated ({@code agora_billing_charged_wei_total}). */
    public static final String CHARGED = "agora.billing.charged";
    /** Receipts quarantined, tagged {@code reason} ({@code agora_billing_receipts_quarantined_total}). */
    public static final String QUARANTINED = "agora.billing.receipts.quarantined";
    /** Agents' copies that began waiting for the gateway's witness ({@code agora_billing_witness_waits_total}). */
    public static final String WITNESS_WAITS = "agora.billing.witness.waits";
    /** Rating transactions committed and their duration ({@code agora_billing_batches_seconds}). */
    public static final String BATCHES = "agora.billing.batches";
    /** Rating transactions rolled back (retried by their source) ({@code agora_billing_batches_failed_total}). */
    public static final String BATCHES_FAILED = "agora.billing.batches.failed";
    /** Vouchers signed ({@code agora_billing_vouchers_issued_total}). */
    public static final String VOUCHERS = "agora.billing.vouchers.issued";
    /** Wei the signed vouchers added to their pairs' cumulative amounts ({@code agora_billing_vouchered_wei_total}). */
    public static final String VOUCHERED = "agora.billing.vouchered";
    /** Redeems followed on chain at the confirmation depth ({@code agora_billing_redeems_total}). */
    public static final String REDEEMS = "agora.billing.redeems";
    /** Wei the escrow paid for them, fee included ({@code agora_billing_redeemed_wei_total}). */
    public static final String REDEEMED = "agora.billing.redeemed";
    /** Redeems forgotten after a reorganisation ({@code agora_billing_redeems_reverted_total}). */
    public static final String REDEEMS_REVERTED = "agora.billing.redeems.reverted";
    /** Wei of those redeems ({@code agora_billing_redeemed_reverted_wei_total}). */
    public static final String REDEEMED_REVERTED = "agora.billing.redeemed.reverted";
    /** Agents' copies waiting for their witness now ({@code agora_billing_receipts_awaiting_witness}). */
    public static final String AWAITING_WITNESS = "agora.billing.receipts.awaiting.witness";
    /** How long the oldest of them has waited ({@code agora_billing_receipts_awaiting_witness_oldest_seconds}). */
    public static final String OLDEST_WAITING = "agora.billing.receipts.awaiting.witness.oldest";
    /** Receipts parked for a lease billing does not know yet ({@code agora_billing_receipts_parked}). */
    public static final String PARKED = "agora.billing.receipts.parked";
    /** Wei rated (less credits) and not yet in a voucher ({@code agora_billing_unvouchered_wei}). */
    public static final String UNVOUCHERED = "agora.billing.unvouchered";
    /** Wei vouchered and not yet redeemed on chain ({@code agora_billing_unredeemed_wei}). */
    public static final String UNREDEEMED = "agora.billing.unredeemed";
    /** Confirmed blocks the settlement follower has not read yet ({@code agora_billing_settlement_blocks_behind}). */
    public static final String BLOCKS_BEHIND = "agora.billing.settlement.blocks.behind";
    /** Records on a topic past what billing fetched, tagged {@code topic} ({@code agora_billing_ingestion_records_behind}). */
    public static final String RECORDS_BEHIND = "agora.billing.ingestion.records.behind";

    /** The {@code reason} of a quarantine that is not one of {@link Reasons#ALL} (none is, today). */
    static final String OTHER_REASON = "other";

    private static final Logger LOG = Logger.getLogger(BillingMeters.class);

    private final MeterRegistry registry;
    private final Transactions transactions;
    private final BacklogRepository backlogs;
    private final Clock clock;
    private final Counter rated;
    private final Counter charged;
    private final Map<String, Counter> quarantined;
    private final Counter witnessWaits;
    private final Timer batches;
    private final Counter batchesFailed;
    private final Counter vouchers;
    private final Counter vouchered;
    private final Counter redeems;
    private final Counter redeemed;
    private final Counter redeemsReverted;
    private final Counter redeemedReverted;
    private final AtomicLong blocksBehind = new AtomicLong();
    private final Map<String, AtomicLong> recordsBehind = new ConcurrentHashMap<>();
    private volatile Backlog backlog = new Backlog(0, java.util.Optional.empty(), 0, BigInteger.ZERO, BigInteger.ZERO);

    public BillingMeters(MeterRegistry registry, Transactions transactions, BacklogRepository backlogs, Clock clock) {
        this.registry = registry;
        this.transactions = transactions;
        this.backlogs = backlogs;
        this.clock = clock;
        rated = Counter.builder(RATED).description("receipts rated, each once").register(registry);
        charged = Counter.builder(CHARGED).baseUnit("wei").description("wei charged by the receipts rated")
                .register(registry);
        quarantined = java.util.stream.Stream.concat(Reasons.ALL.stream(), java.util.stream.Stream.of(OTHER_REASON))
                .collect(Collectors.toUnmodifiableMap(Function.identity(), reason -> Counter.builder(QUARANTINED)
                        .description("receipts quarantined (each time one is refused), by reason").tag("reason", reason)
                        .register(registry)));
        witnessWaits = Counter.builder(WITNESS_WAITS).description("agents' copies that began waiting for their witness")
                .register(registry);
        batches = Timer.builder(BATCHES).description("rating transactions committed, from their start to their commit")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        batchesFailed = Counter.builder(BATCHES_FAILED).description("rating transactions rolled back (retried by their source)")
                .register(registry);
        vouchers = Counter.builder(VOUCHERS).description("vouchers signed").register(registry);
        vouchered = Counter.builder(VOUCHERED).baseUnit("wei")
                .description("wei the signed vouchers added to their pairs' cumulative amounts").register(registry);
        redeems = Counter.builder(REDEEMS).description("redeems followed on chain at the confirmation depth")
                .register(registry);
        redeemed = Counter.builder(REDEEMED).baseUnit("wei").description("wei the escrow paid for them, fee included")
                .register(registry);
        redeemsReverted = Counter.builder(REDEEMS_REVERTED).description("redeems forgotten after a reorganisation")
                .register(registry);
        redeemedReverted = Counter.builder(REDEEMED_REVERTED).baseUnit("wei")
                .description("wei of the redeems forgotten after a reorganisation").register(registry);
        Gauge.builder(AWAITING_WITNESS, this, m -> m.backlog.awaitingWitness())
                .description("agents' copies waiting for their witness").register(registry);
        Gauge.builder(OLDEST_WAITING, this, BillingMeters::oldestWaitingSeconds).baseUnit("seconds")
                .description("how long the oldest copy waiting for its witness has waited").register(registry);
        Gauge.builder(PARKED, this, m -> m.backlog.parked())
                .description("receipts parked for a lease billing does not know yet").register(registry);
        Gauge.builder(UNVOUCHERED, this, m -> m.backlog.unvouchered().doubleValue()).baseUnit("wei")
                .description("wei rated (less credits) and not yet in a voucher").register(registry);
        Gauge.builder(UNREDEEMED, this, m -> m.backlog.unredeemed().doubleValue()).baseUnit("wei")
                .description("wei vouchered and not yet redeemed on chain").register(registry);
        Gauge.builder(BLOCKS_BEHIND, blocksBehind, AtomicLong::get)
                .description("confirmed blocks the settlement follower has not read yet").register(registry);
    }

    /** Counts a rating transaction that committed after {@code took}: its receipts, refusals and waiting copies. */
    public void batchCommitted(RatingOutcome outcome, Duration took) {
        batches.record(took);
        committed(outcome);
    }

    /** Counts what a committed transaction rated, refused and left waiting (a lease's arrival rating its parked receipts). */
    public void committed(RatingOutcome outcome) {
        if (!outcome.rated().isEmpty()) {
            rated.increment(outcome.rated().size());
            charged.increment(sum(outcome.rated().stream().map(RatedReceipt::charge).toList()).doubleValue());
        }
        for (Rejection rejection : outcome.rejected()) {
            quarantined(rejection.reason(), 1);
        }
        if (!outcome.awaitingWitness().isEmpty()) {
            witnessWaits.increment(outcome.awaitingWitness().size());
        }
    }

    /** Counts a rating transaction that rolled back. */
    public void batchFailed() {
        batchesFailed.increment();
    }

    /** Counts {@code count} receipts quarantined, committed, for {@code reason}. */
    public void quarantined(String reason, int count) {
        String tag = quarantined.containsKey(reason) ? reason : OTHER_REASON;
        if (!tag.equals(reason)) {
            LOG.warnf("quarantine reason %s is not a meter tag: counted as %s", reason, OTHER_REASON);
        }
        quarantined.get(tag).increment(count);
    }

    /** Counts a voucher signed and committed, which added {@code increment} wei to its pair's cumulative amount. */
    public void voucherIssued(BigInteger increment) {
        vouchers.increment();
        vouchered.increment(increment.doubleValue());
    }

    /** Counts redeems recorded by a committed transaction (each once: a redeem seen again is not recorded again). */
    public void redeemed(Collection<Redeemed> recorded) {
        if (!recorded.isEmpty()) {
            redeems.increment(recorded.size());
            redeemed.increment(sum(recorded.stream().map(BillingMeters::paid).toList()).doubleValue());
        }
    }

    /** Counts redeems a committed transaction forgot after a reorganisation. */
    public void reverted(Collection<Redeemed> forgotten) {
        if (!forgotten.isEmpty()) {
            redeemsReverted.increment(forgotten.size());
            redeemedReverted.increment(sum(forgotten.stream().map(BillingMeters::paid).toList()).doubleValue());
        }
    }

    /** The settlement follower has {@code blocks} confirmed blocks left to read. */
    public void settlementBehind(long blocks) {
        blocksBehind.set(Math.max(0, blocks));
    }

    /** A consumer of {@code topic} has {@code records} records on its partitions past what it fetched. */
    public void recordsBehind(String topic, long records) {
        recordsBehind.computeIfAbsent(topic, t -> {
            AtomicLong behind = new AtomicLong();
            Gauge.builder(RECORDS_BEHIND, behind, AtomicLong::get).tag("topic", t)
                    .description("records on the topic's partitions past what billing fetched").register(registry);
            return behind;
        }).set(records);
    }

    @Scheduled(every = "${agora.billing.metrics-interval:15s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.debugf("metrics: backlog not read, will retry: %s", e.getMessage());
        }
    }

    /**
     * Reads the backlogs the gauges show (every {@code agora.billing.metrics-interval}: a scrape reads no table). One
     * read at a time, so an older read never replaces a newer one.
     */
    public synchronized void refresh() {
        backlog = transactions.read(backlogs::read);
    }

    private double oldestWaitingSeconds() {
        return backlog.oldestWaiting().map(t -> Math.max(0, Duration.between(t, clock.instant()).toMillis() / 1000.0))
                .orElse(0.0);
    }

    private static BigInteger paid(Redeemed r) {
        return r.payment().value().add(r.fee().value());
    }

    private static BigInteger sum(List<BigInteger> amounts) {
        return amounts.stream().reduce(BigInteger.ZERO, BigInteger::add);
    }
}
