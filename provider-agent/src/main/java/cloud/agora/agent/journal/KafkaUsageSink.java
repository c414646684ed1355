package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.UsageEvents;
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
 * Ships receipts to {@code usage.receipts.v1} as {@code UsageRecorded} envelopes whose id is
 * the invocation id (billing's deduplication key), keyed by lease id. Idempotent producer,
 * {@code acks=all}: a batch counts as delivered only when every record is acknowledged.
 */
public final class KafkaUsageSink implements UsageSink, AutoCloseable {

    /** The envelope type and source of receipt records. */
    public static final String TYPE = UsageEvents.RECEIPT;
    public static final String SOURCE = "provider-agent";

    private final KafkaProducer<String, String> producer;
    private final Duration ackTimeout;

    public KafkaUsageSink(String bootstrapServers, Duration ackTimeout) {
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
    }

    @Override
    public void deliver(List<UsageReceipt> receipts) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (UsageReceipt r : receipts) {
            EventEnvelope<UsageReceipt> event = new EventEnvelope<>(r.invocationId().toString(), TYPE, SOURCE, r.endedAt(),
                    r.leaseId().toString(), r);
            acks.add(producer.send(new ProducerRecord<>(Topics.USAGE_RECEIPTS, r.leaseId().toString(), JsonCodec.write(event))));
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

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
