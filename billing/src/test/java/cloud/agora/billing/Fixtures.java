package cloud.agora.billing;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.KafkaBroker;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.web3j.crypto.ECKeyPair;

/** Leases and signed receipts for tests, published the way the marketplace and the agents publish them. */
public final class Fixtures {

    public static final Prices PRICES = new Prices(Wei.of(1_000_000), Wei.of(300_000), Wei.of(5_000), Wei.of(1));

    private Fixtures() {
    }

    public static LeaseView lease(Address owner, Address provider) {
        return new LeaseView(UUID.randomUUID(), UUID.randomUUID(), owner, provider, "http://agent.example", BidKind.COMPUTE,
                new Resources(500, 512, 0), PRICES, LeaseState.ACTIVE, Instant.now().minusSeconds(3600), null, null, null);
    }

    public static UsageReceipt receipt(LeaseView lease, ECKeyPair providerKey, long cpuNanos) {
        Instant start = Instant.now().minusSeconds(60);
        return UsageReceipt.unsigned(UUID.randomUUID(), lease.id(), lease.provider(), lease.owner(), cpuNanos,
                64L * 1024 * 1024 + cpuNanos % 1000, 120 + cpuNanos % 7, 100, 200, start, start.plusMillis(120 + cpuNanos % 7))
                .signedByProvider(providerKey);
    }

    public static KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    public static void publishLease(KafkaProducer<String, String> producer, LeaseView lease) throws Exception {
        EventEnvelope<LeaseView> event = EventEnvelope.of(MarketEvents.LEASE_CREATED, MarketEvents.SOURCE, lease.createdAt(),
                lease.id().toString(), lease);
        producer.send(new ProducerRecord<>(Topics.MARKETPLACE_LEASES, lease.id().toString(), JsonCodec.write(event))).get();
    }

    /** As the agent's KafkaUsageSink ships them: envelope id = invocation id, key = lease id. */
    public static void publishReceipts(KafkaProducer<String, String> producer, List<UsageReceipt> receipts) throws Exception {
        for (UsageReceipt r : receipts) {
            producer.send(new ProducerRecord<>(Topics.USAGE_RECEIPTS, r.leaseId().toString(), envelope(r)));
        }
        producer.flush();
    }

    public static String envelope(UsageReceipt r) {
        return JsonCodec.write(new EventEnvelope<>(r.invocationId().toString(), "UsageRecorded", "provider-agent", r.endedAt(),
                r.leaseId().toString(), r));
    }
}
