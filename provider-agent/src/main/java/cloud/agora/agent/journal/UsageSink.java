package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.UsageReceipt;
import java.util.List;

/** Where journaled receipts go: billing, through Kafka or HTTPS batches. */
public interface UsageSink {

    /**
     * Delivers the receipts and returns only once billing's side acknowledged every one of
     * them (Kafka: the broker acked with {@code acks=all}).
     *
     * @throws RuntimeException when any was not acknowledged; the caller retries the batch later
     */
    void deliver(List<UsageReceipt> receipts);
}
