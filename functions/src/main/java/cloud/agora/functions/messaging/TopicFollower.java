package cloud.agora.functions.messaging;

import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.support.kafka.KafkaClients;
import com.fasterxml.jackson.core.type.TypeReference;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * A plain Kafka consumer on its own thread (the marketplace's {@code DecisionFollower}
 * pattern): records are handled in order and offsets committed after each poll's records were
 * handled, so a crash re-reads them; handlers are idempotent on the envelope id.
 */
abstract class TopicFollower<T> {

    private static final Logger LOG = Logger.getLogger(TopicFollower.class);

    private final String topic;
    private final String group;
    private final Optional<String> bootstrapServers;
    private final TypeReference<EventEnvelope<T>> envelope;
    private final String what;
    private final SignedEvents events;
    private volatile KafkaConsumer<String, String> consumer;

    /**
     * @param envelope how a record's value reads
     * @param what     what a record is, for the log line of a malformed one ("lease", "credit", ...)
     */
    TopicFollower(String topic, String group, Optional<String> bootstrapServers, TypeReference<EventEnvelope<T>> envelope,
            String what, SignedEvents events) {
        this.topic = topic;
        this.group = group;
        this.bootstrapServers = bootstrapServers;
        this.envelope = envelope;
        this.what = what;
        this.events = events;
    }

    /** Handles one event (idempotent on its id: a crash re-reads it). */
    abstract void handle(EventEnvelope<T> event);

    /**
     * Reads one record and handles it: one its topic's producer did not sign is quarantined unread
     * ({@link SignedEvents}); one that does not read as an envelope (a poison record) is quarantined too.
     */
    private void handle(ConsumerRecord<String, String> record) {
        if (!events.admit(group, record)) {
            return;
        }
        EventEnvelope<T> event;
        try {
            event = JsonCodec.read(record.value(), envelope);
        } catch (IllegalArgumentException malformed) {
            events.quarantine(group, record, "unreadable " + what + ": " + malformed.getMessage());
            return;
        }
        handle(event);
    }

    void startFollowing() {
        if (bootstrapServers.isEmpty()) {
            LOG.warnf("kafka.bootstrap.servers is not set: %s is not followed", topic);
            return;
        }
        events.follow(topic, group);
        Thread follower = new Thread(this::follow, "follow-" + topic);
        follower.setDaemon(true);
        follower.start();
    }

    void stopFollowing() {
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void follow() {
        Properties props = new Properties();
        props.putAll(KafkaClients.connection(bootstrapServers.get()));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        while (true) {
            try (KafkaConsumer<String, String> kafka = new KafkaConsumer<>(props)) {
                consumer = kafka;
                kafka.subscribe(List.of(topic));
                while (true) {
                    for (ConsumerRecord<String, String> record : kafka.poll(Duration.ofMillis(500))) {
                        try {
                            handle(record);
                        } catch (RuntimeException e) {
                            LOG.errorf(e, "%s: record at offset %d not handled", topic, record.offset());
                        }
                    }
                    kafka.commitSync();
                }
            } catch (WakeupException stopping) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("following %s failed, reconnecting: %s", topic, e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }
}
