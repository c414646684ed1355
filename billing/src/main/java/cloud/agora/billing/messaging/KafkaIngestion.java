package cloud.agora.billing.messaging;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.billing.domain.IncomingReceipt;
import cloud.agora.billing.domain.LeaseRecorder;
import cloud.agora.billing.domain.UsageArrivals;
import cloud.agora.billing.domain.UsageRater;
import cloud.agora.billing.metrics.BillingMeters;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.UsageEvents;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.WitnessBatch;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Consumes {@code usage.receipts.v1} (rated by {@link UsageRater}) and {@code marketplace.leases.v1} (recorded by
 * {@link LeaseRecorder}), each with a plain {@code KafkaConsumer} loop and manual offset commits after the database
 * transaction (see {@link TopicLoop}). Chosen over {@code @Incoming} so that a whole poll (up to
 * {@code agora.billing.ingestion.batch-size} records) is rated in one transaction with set-based SQL: that is what
 * reaches thousands of receipts per second.
 */
@ApplicationScoped
public class KafkaIngestion {

    private static final Logger LOG = Logger.getLogger(KafkaIngestion.class);
    private static final TypeReference<EventEnvelope<UsageReceipt>> RECEIPT_EVENT = new TypeReference<>() {
    };
    private static final TypeReference<EventEnvelope<LeaseView>> LEASE_EVENT = new TypeReference<>() {
    };
    private static final TypeReference<EventEnvelope<ReceiptBatch>> RECEIPT_BATCH_EVENT = new TypeReference<>() {
    };
    private static final TypeReference<EventEnvelope<WitnessBatch>> WITNESS_BATCH_EVENT = new TypeReference<>() {
    };

    private final BillingConfig config;
    private final Optional<String> bootstrapServers;
    private final UsageRater rater;
    private final LeaseRecorder leases;
    private final SignedEvents events;
    private final BillingMeters meters;
    private final List<TopicLoop<?>> loops = new ArrayList<>();

    public KafkaIngestion(BillingConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers,
            UsageRater rater, LeaseRecorder leases, SignedEvents events, BillingMeters meters) {
        this.events = events;
        this.meters = meters;
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.rater = rater;
        this.leases = leases;
    }

    void start(@Observes StartupEvent event) {
        if (!config.ingestion().kafka() || bootstrapServers.isEmpty()) {
            LOG.info("Kafka ingestion is off: receipts arrive through POST /api/v1/usage/batches only");
            return;
        }
        loops.add(TopicLoop.of(bootstrapServers.get(), config.ingestion(), Topics.MARKETPLACE_LEASES, 500, events,
                this::onLeases).reportingLag(records -> meters.recordsBehind(Topics.MARKETPLACE_LEASES, records)));
        // receipts in two stages: parsing and signature checks of the next poll overlap the current poll's transaction
        loops.add(new TopicLoop<>(bootstrapServers.get(), config.ingestion(), Topics.USAGE_RECEIPTS,
                config.ingestion().batchSize(), events, records -> rater.prepare(parse(records.stream().map(ConsumerRecord::value).toList())),
                rater::rate).reportingLag(records -> meters.recordsBehind(Topics.USAGE_RECEIPTS, records)));
        loops.forEach(TopicLoop::start);
    }

    void stop(@Observes ShutdownEvent event) {
        loops.forEach(TopicLoop::stop);
    }

    /**
     * Reads the records of {@code usage.receipts.v1} by their envelope's type: single receipts
     * ({@value UsageEvents#RECEIPT}), providers' batches ({@value UsageEvents#RECEIPT_BATCH}) and gateways' witness
     * batches ({@value UsageEvents#WITNESS_BATCH}); anything else is a malformed receipt (quarantined).
     */
    static UsageArrivals parse(List<String> values) {
        List<IncomingReceipt> receipts = new ArrayList<>();
        List<UsageArrivals.Arrived<ReceiptBatch>> receiptBatches = new ArrayList<>();
        List<UsageArrivals.Arrived<WitnessBatch>> witnessBatches = new ArrayList<>();
        // records are independent, and a batch record is hundreds of receipts: parse them in parallel, keep their order
        List<Object> parsed = (values.size() > 1 ? values.parallelStream() : values.stream()).map(KafkaIngestion::parseOne).toList();
        for (Object item : parsed) {
            if (item instanceof IncomingReceipt receipt) {
                receipts.add(receipt);
            } else if (item instanceof UsageArrivals.Arrived<?> arrived && arrived.batch() instanceof ReceiptBatch batch) {
                receiptBatches.add(new UsageArrivals.Arrived<>(batch, arrived.payload(), arrived.source()));
            } else if (item instanceof UsageArrivals.Arrived<?> arrived && arrived.batch() instanceof WitnessBatch batch) {
                witnessBatches.add(new UsageArrivals.Arrived<>(batch, arrived.payload(), arrived.source()));
            }
        }
        return new UsageArrivals(receipts, receiptBatches, witnessBatches);
    }

    /** One record: an {@code Arrived} batch, or an {@code IncomingReceipt} (parsed or malformed). */
    private static Object parseOne(String value) {
        String type = value == null ? null : typeOf(value);
        try {
            if (UsageEvents.RECEIPT_BATCH.equals(type)) {
                EventEnvelope<ReceiptBatch> event = JsonCodec.read(value, RECEIPT_BATCH_EVENT);
                if (event.data() != null) {
                    return new UsageArrivals.Arrived<>(event.data(), value, "kafka");
                }
            } else if (UsageEvents.WITNESS_BATCH.equals(type)) {
                EventEnvelope<WitnessBatch> event = JsonCodec.read(value, WITNESS_BATCH_EVENT);
                if (event.data() != null) {
                    return new UsageArrivals.Arrived<>(event.data(), value, "kafka");
                }
            }
        } catch (RuntimeException e) {
            return IncomingReceipt.malformed(value, "kafka", e.getMessage());
        }
        return parseReceipt(value);
    }

    /**
     * The envelope's {@code type}, read with a streaming parser that stops at it (the data is parsed once, into its
     * type), or null when there is none.
     */
    static String typeOf(String value) {
        try (JsonParser parser = JsonCodec.mapper().getFactory().createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken token = parser.nextToken();
                if ("type".equals(field)) {
                    return token == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    void onLeases(List<ConsumerRecord<String, String>> records) {
        List<EventEnvelope<LeaseView>> events = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            try {
                events.add(JsonCodec.read(record.value(), LEASE_EVENT));
            } catch (RuntimeException e) {
                this.events.quarantine(config.ingestion().consumerGroup(), record, "unreadable lease event: " + e.getMessage());
            }
        }
        leases.record(events);
    }

    static IncomingReceipt parseReceipt(String value) {
        if (value == null) {
            return IncomingReceipt.malformed("", "kafka", "an empty record");
        }
        try {
            EventEnvelope<UsageReceipt> event = JsonCodec.read(value, RECEIPT_EVENT);
            if (event.data() == null) {
                return IncomingReceipt.malformed(value, "kafka", "the event carries no receipt");
            }
            return IncomingReceipt.of(event.data(), "kafka");
        } catch (RuntimeException e) {
            return IncomingReceipt.malformed(value, "kafka", e.getMessage());
        }
    }
}
