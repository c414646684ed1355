package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.UsageReceipt;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Moves journaled receipts to billing: takes a batch of pending receipts, delivers it, and
 * marks it shipped only after the sink acknowledged it. A failed batch stays pending and is
 * retried on the next round (same ids, so a retry after a partial delivery is deduplicated).
 */
public final class ReceiptShipper {

    private static final Logger LOG = Logger.getLogger(ReceiptShipper.class);

    private final ReceiptJournal journal;
    private final UsageSink sink;
    private final int batchSize;

    public ReceiptShipper(ReceiptJournal journal, UsageSink sink, int batchSize) {
        this.journal = journal;
        this.sink = sink;
        this.batchSize = batchSize;
    }

    /** Whether a sink is configured (else receipts wait in the journal). */
    public boolean enabled() {
        return sink != null;
    }

    /** Ships until nothing is pending or a delivery fails; returns how many receipts were shipped. */
    public synchronized int shipPending() {
        int shipped = 0;
        while (sink != null) {
            List<UsageReceipt> batch = journal.pending(batchSize);
            if (batch.isEmpty()) {
                return shipped;
            }
            try {
                sink.deliver(batch);
            } catch (RuntimeException e) {
                LOG.warnf("receipt shipping failed, %d pending will be retried: %s", journal.counts().unshipped(), e.getMessage());
                return shipped;
            }
            journal.markShipped(batch.stream().map(UsageReceipt::invocationId).toList());
            shipped += batch.size();
        }
        return shipped;
    }
}
