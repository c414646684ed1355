package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.UsageEvents;
import java.time.Instant;
import org.web3j.crypto.ECKeyPair;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.usage.UsageReceipt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Ships receipts to {@code usage.receipts.v1} as attested batches: per at most {@value ReceiptBatch#MAX_RECEIPTS}
 * receipts, one {@link ReceiptBatch} signed by the provider's key over the Merkle root of their hashes
 * ({@value UsageEvents#RECEIPT_BATCH} envelope, id = the root, key = the provider), so billing checks one provider
 * signature per batch instead of one per receipt. Idempotent producer, {@code acks=all}: a delivery counts only when
 * every record is acknowledged; a batch shipped again after a crash is deduplicated by billing (invocation ids).
 */
public final class KafkaUsageSink implements UsageSink, AutoCloseable {

    /** The envelope type and source of the agent's records. */
    public static final String TYPE = UsageEvents.RECEIPT_BATCH;
    public static final String SOURCE = "provider-agent";

    private final KafkaProducer<String, String> producer;
    private final Duration ackTimeout;
    private final ECKeyPair providerKey;

    /** @param providerKey the provider's key, which attests the batches */
    public KafkaUsageSink(String bootstrapServers, Duration ackTimeout, ECKeyPair providerKey) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) ackTimeout.toMillis());
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(ackTimeout.toMillis() / 2, 30_000));
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ackTimeout.toMillis());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        this.producer = new KafkaProducer<>(props);
        this.ackTimeout = ackTimeout;
        this.providerKey = providerKey;
    }

    @Override
    public void deliver(List<UsageReceipt> receipts) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (ReceiptBatch batch : attested(receipts, providerKey)) {
            String provider = batch.attestation().signer().value();
            EventEnvelope<ReceiptBatch> event = new EventEnvelope<>(batch.attestation().root(), TYPE, SOURCE, Instant.now(),
                    provider, batch);
            acks.add(producer.send(new ProducerRecord<>(Topics.USAGE_RECEIPTS, provider, JsonCodec.write(event))));
        }
        producer.flush();
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka", e);
            } catch (Exception e) {
                throw new IllegalStateException("Kafka did not acknowledge a receipt: " + e.getMessage(), e);
            }
        }
    }

    /** {@code receipts} in attested batches of at most {@value ReceiptBatch#MAX_RECEIPTS}, signed by {@code key}. */
    static List<ReceiptBatch> attested(List<UsageReceipt> receipts, ECKeyPair key) {
        List<ReceiptBatch> batches = new ArrayList<>();
        for (int from = 0; from < receipts.size(); from += ReceiptBatch.MAX_RECEIPTS) {
            batches.add(ReceiptBatch.sign(receipts.subList(from, Math.min(receipts.size(), from + ReceiptBatch.MAX_RECEIPTS)), key));
        }
        return batches;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
