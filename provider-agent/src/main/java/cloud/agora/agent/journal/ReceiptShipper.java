package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.UsageReceipt;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Moves journaled receipts to billing: takes a batch of pending receipts, delivers it, and
 * marks it shipped only after the sink acknowledged it. A failed batch stays pending and is
 * retried on a later round (same ids, so a retry after a partial delivery is deduplicated).
 * After a failure rounds are skipped for a backoff that doubles per failure (from
 * {@code minBackoff} up to {@code maxBackoff}) and resets on the next success, which also tells the recovery
 * listener ({@link #onRecovery}: the anti-entropy pass, since billing may have lost what it took while failing). The
 * first success of a process tells it too: an agent started again (during a partition, after a crash) does not know
 * what billing took from its earlier run, and waiting for the periodic pass would leave the two apart for as long.
 */
public final class ReceiptShipper {

    private static final Logger LOG = Logger.getLogger(ReceiptShipper.class);

    private final ReceiptJournal journal;
    private final UsageSink sink;
    private final int batchSize;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final LongSupplier nanoClock;
    private Duration backoff = Duration.ZERO;
    private long retryAt;
    /** Whether the last delivery failed, or none succeeded yet in this process. */
    private boolean failing = true;
    private Runnable recovered = () -> { };

    /** Without backoff: every round tries. */
    public ReceiptShipper(ReceiptJournal journal, UsageSink sink, int batchSize) {
        this(journal, sink, batchSize, Duration.ZERO, Duration.ZERO, System::nanoTime);
    }

    public ReceiptShipper(ReceiptJournal journal, UsageSink sink, int batchSize, Duration minBackoff, Duration maxBackoff,
            LongSupplier nanoClock) {
        this.journal = journal;
        this.sink = sink;
        this.batchSize = batchSize;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.nanoClock = nanoClock;
        this.retryAt = nanoClock.getAsLong();
    }

    /** {@code listener} runs (on the shipping thread; keep it short) each time a delivery succeeds after a failed one. */
    public synchronized void onRecovery(Runnable listener) {
        this.recovered = listener;
    }

    /** Whether a sink is configured (else receipts wait in the journal). */
    public boolean enabled() {
        return sink != null;
    }

    /** Ships until nothing is pending or a delivery fails; returns how many receipts were shipped. */
    public synchronized int shipPending() {
        int shipped = 0;
        if (sink == null || nanoClock.getAsLong() - retryAt < 0) {
            return 0;
        }
        while (sink != null) {
            List<UsageReceipt> batch = journal.pending(batchSize);
            if (batch.isEmpty()) {
                return shipped;
            }
            try {
                sink.deliver(batch);
            } catch (RuntimeException e) {
                backoff = backoff.isZero() ? minBackoff : backoff.multipliedBy(2);
                if (backoff.compareTo(maxBackoff) > 0) {
                    backoff = maxBackoff;
                }
                retryAt = nanoClock.getAsLong() + backoff.toNanos();
                failing = true;
                LOG.warnf("receipt shipping failed, %d pending will be retried in %s: %s", journal.counts().unshipped(), backoff,
                        e.getMessage());
                return shipped;
            }
            backoff = Duration.ZERO;
            if (failing) {
                failing = false;
                recovered.run();
            }
            journal.markShipped(batch.stream().map(UsageReceipt::invocationId).toList());
            shipped += batch.size();
        }
        return shipped;
    }
}
