package cloud.agora.support.outbox;

import cloud.agora.protocol.event.EventSignature;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.support.kafka.KafkaClients;
import cloud.agora.support.work.SerialWorker;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Publishes outbox rows to Kafka in commit order and deletes them once the broker has
 * acknowledged them. At-least-once: a crash between acknowledgement and delete republishes
 * the same event ids, which consumers deduplicate. While Kafka is down rows simply wait.
 * One round drains at a time ({@link SerialWorker} on the worker pool: started at the service's start, stopped at
 * its shutdown after the round in flight, then the producer is closed), and across replicas of a service one relay at
 * a time: each batch's transaction first takes a
 * transaction-scoped advisory lock named after the outbox table, and a replica that finds it taken publishes nothing
 * this round. Without it two replicas would claim disjoint batches ({@code SKIP LOCKED}) and could publish a key's
 * later events before its earlier ones; with it, per-key order is the order of the transactions that wrote them.
 * Each record carries the service's signature ({@link SignedEvents}) when it has an event key.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final AgroalDataSource dataSource;
    private final OutboxConfig config;
    private final SignedEvents events;
    private final Optional<String> bootstrapServers;
    private final SerialWorker drainer = new SerialWorker("outbox relay", this::drain);
    private volatile KafkaProducer<String, String> producer;

    public OutboxRelay(AgroalDataSource dataSource, OutboxConfig config, SignedEvents events,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        this.dataSource = dataSource;
        this.events = events;
        this.config = config;
        this.bootstrapServers = bootstrapServers;
    }

    /** Asks the relay to drain soon (after a commit that appended events). Never blocks. */
    public void nudge() {
        if (config.enabled()) {
            drainer.nudge();
        }
    }

    @Scheduled(every = "${agora.outbox.interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        nudge();
    }

    void start(@Observes StartupEvent event) {
        if (config.enabled()) {
            drainer.start();
        }
    }

    /** Lets the round in flight end (up to 5 s), then closes the producer; rows not published wait for the next start. */
    void stop(@Observes ShutdownEvent event) {
        drainer.stop(Duration.ofSeconds(5));
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Publishes everything waiting, batch by batch; stops at the first failure and retries on the next tick. */
    void drain() {
        KafkaProducer<String, String> kafka = producer();
        if (kafka == null) {
            return;
        }
        try {
            while (publishBatch(kafka) == config.batchSize()) {
                // a full batch: there may be more
            }
        } catch (Exception e) {
            LOG.warnf("outbox: publishing failed, will retry: %s", e.getMessage());
        }
    }

    private int publishBatch(KafkaProducer<String, String> kafka) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                List<Long> published = new ArrayList<>();
                List<Future<RecordMetadata>> acks = new ArrayList<>();
                for (OutboxRow row : claimBatch(connection)) {
                    published.add(row.seq());
                    ProducerRecord<String, String> record = new ProducerRecord<>(row.topic(), row.key(), row.payload());
                    events.signature(record.topic(), record.key(), record.value()).ifPresent(signature -> record
                            .headers().add(EventSignature.HEADER, signature.getBytes(StandardCharsets.US_ASCII)));
                    acks.add(kafka.send(record));
                }
                if (published.isEmpty()) {
                    connection.rollback();
                    return 0;
                }
                kafka.flush();
                for (Future<RecordMetadata> ack : acks) {
                    ack.get(config.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
                }
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM outbox WHERE seq = ANY (?)")) {
                    delete.setArray(1, connection.createArrayOf("bigint", published.toArray()));
                    delete.executeUpdate();
                }
                connection.commit();
                return published.size();
            } catch (Exception e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /** An outbox row as the relay publishes it. */
    record OutboxRow(long seq, String topic, String key, String payload) {
    }

    /**
     * In {@code connection}'s open transaction: the oldest rows, locked until it ends, or none when another relay of
     * this database holds the relay lock (it is released with that relay's transaction, even when its process dies).
     * The transaction commits without waiting for its WAL to reach the disk ({@code synchronous_commit} off for it
     * alone): all it does is delete rows Kafka acknowledged, and a delete a crash loses only publishes those events
     * again, as a crash between acknowledgement and delete always could. The WAL writer flushes such commits in the
     * background, so a relay round adds no flush of its own beside the flushes of the calls that wrote the events.
     */
    List<OutboxRow> claimBatch(Connection connection) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement(
                "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox')),"
                        + " set_config('synchronous_commit', 'off', true)");
             ResultSet locked = lock.executeQuery()) {
            locked.next();
            if (!locked.getBoolean(1)) {
                return List.of();
            }
        }
        List<OutboxRow> batch = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT seq, topic, record_key, payload FROM outbox ORDER BY seq LIMIT ? FOR UPDATE")) {
            select.setInt(1, config.batchSize());
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    batch.add(new OutboxRow(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4)));
                }
            }
        }
        return batch;
    }

    private KafkaProducer<String, String> producer() {
        if (producer == null) {
            synchronized (this) {
                if (producer == null) {
                    if (bootstrapServers.isEmpty()) {
                        LOG.warn("outbox: kafka.bootstrap.servers is not set; events wait in the outbox table");
                        return null;
                    }
                    Properties props = new Properties();
                    props.putAll(KafkaClients.connection(bootstrapServers.get()));
                    props.put(ProducerConfig.ACKS_CONFIG, "all");
                    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
                    props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
                    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) config.sendTimeout().toMillis());
                    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(config.sendTimeout().toMillis(), 10_000));
                    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) config.sendTimeout().toMillis());
                    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                    producer = new KafkaProducer<>(props);
                }
            }
        }
        return producer;
    }

    /** Rows still waiting (for health and tests). */
    public long pending() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM outbox");
             ResultSet rows = count.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
