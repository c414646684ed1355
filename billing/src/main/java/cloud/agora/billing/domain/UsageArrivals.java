package cloud.agora.billing.domain;

import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.WitnessBatch;
import java.util.List;
import java.util.Objects;

/**
 * What one Kafka poll or one HTTP request brought, rated in one transaction: single receipts (an agent's or a
 * gateway's copy, or malformed payloads), providers' attested batches and gateways' witness batches.
 */
public record UsageArrivals(List<IncomingReceipt> receipts, List<Arrived<ReceiptBatch>> receiptBatches,
        List<Arrived<WitnessBatch>> witnessBatches) {

    public UsageArrivals {
        receipts = List.copyOf(receipts);
        receiptBatches = List.copyOf(receiptBatches);
        witnessBatches = List.copyOf(witnessBatches);
    }

    /** Single receipts only. */
    public static UsageArrivals of(List<IncomingReceipt> receipts) {
        return new UsageArrivals(receipts, List.of(), List.of());
    }

    /**
     * A batch as it arrived.
     *
     * @param batch   the parsed batch
     * @param payload what arrived (kept in the quarantine when the batch is refused)
     * @param source  {@code kafka} or {@code http:<caller>}
     */
    public record Arrived<T>(T batch, String payload, String source) {

        public Arrived {
            Objects.requireNonNull(batch, "batch");
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(source, "source");
        }
    }
}
