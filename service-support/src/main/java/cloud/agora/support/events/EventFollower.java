package cloud.agora.support.events;

import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
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
 * One topic followed on its own thread, record by record, with the platform's one failure strategy:
 * <ul>
 *   <li>a record its topic's producer did not sign, or one that does not read as an envelope (a poison record), is
 *       quarantined ({@link SignedEvents#quarantine}) and skipped;</li>
 *   <li>a handler failure (a database outage, say) is retried with backoff — {@value #ATTEMPTS} attempts over about
 *       half a minute — and only then quarantined with its reason, so a transient fault loses nothing and a record
 *       that always fails cannot stop the topic;</li>
 *   <li>offsets are committed after each poll's records were handled or quarantined, so a crash re-reads them
 *       (handlers are idempotent on the envelope id); a lost connection is reopened.</li>
 * </ul>
 * The billing service's two-stage {@code TopicLoop} applies whole polls in one transaction instead; it quarantines
 * unsigned records the same way.
 */
public abstract class EventFollower<T> {

    private static final Logger LOG = Logger.getLogger(EventFollower.class);

    /** Attempts at handling one record before it is quarantined. */
    public static final int ATTEMPTS = 8;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final Duration firstBackoff;

    private final String topic;
    private final String group;
    private final Optional<String> bootstrapServers;
    private final TypeReference<EventEnvelope<T>> envelope;
    private final String what;
    private final SignedEvents events;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile Thread thread;
    private volatile boolean running;

    /**
     * @param group    the consumer group, also the consumer's name on quarantined records
     * @param envelope how a record's value reads
     * @param what     what a record is, for the reason of an unreadable one ("lease", "credit", ...)
     */
    protected EventFollower(String topic, String group, Optional<String> bootstrapServers,
            TypeReference<EventEnvelope<T>> envelope, String what, SignedEvents events) {
        this(topic, group, bootstrapServers, envelope, what, events, FIRST_BACKOFF);
    }

    /** As above, with the first retry after {@code firstBackoff} (doubling up to 10 s). */
    protected EventFollower(String topic, String group, Optional<String> bootstrapServers,
            TypeReference<EventEnvelope<T>> envelope, String what, SignedEvents events, Duration firstBackoff) {
        this.firstBackoff = firstBackoff;
        this.topic = topic;
        this.group = group;
        this.bootstrapServers = bootstrapServers;
        this.envelope = envelope;
        this.what = what;
        this.events = events;
    }

    /** Handles one event (idempotent on its id: a crash re-reads it); throws to have it retried. */
    protected abstract void handle(EventEnvelope<T> event);

    /** Starts the follower's thread (nothing when {@code kafka.bootstrap.servers} is not set). */
    protected void startFollowing() {
        if (bootstrapServers.isEmpty()) {
            LOG.warnf("kafka.bootstrap.servers is not set: %s is not followed", topic);
            return;
        }
        events.follow(topic, group);
        running = true;
        Thread follower = new Thread(this::follow, "follow-" + topic);
        follower.setDaemon(true);
        thread = follower;
        follower.start();
    }

    protected void stopFollowing() {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            t.interrupt();
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
        while (running) {
            try (KafkaConsumer<String, String> kafka = new KafkaConsumer<>(props)) {
                consumer = kafka;
                kafka.subscribe(List.of(topic));
                while (running) {
                    for (ConsumerRecord<String, String> record : kafka.poll(Duration.ofMillis(500))) {
                        if (!process(record)) {
                            return;
                        }
                    }
                    kafka.commitSync();
                }
            } catch (WakeupException stopping) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("following %s failed, reconnecting: %s", topic, e.getMessage());
                if (!pause(Duration.ofSeconds(1))) {
                    return;
                }
            }
        }
    }

    /** Handles, retries or quarantines one record; false when stopping. */
    private boolean process(ConsumerRecord<String, String> record) {
        if (!events.admit(group, record)) {
            return true;
        }
        EventEnvelope<T> event;
        try {
            event = record.value() == null ? null : JsonCodec.read(record.value(), envelope);
        } catch (RuntimeException malformed) {
            events.quarantine(group, record, "unreadable " + what + ": " + malformed.getMessage());
            return true;
        }
        if (event == null) {
            events.quarantine(group, record, "unreadable " + what + ": an empty record");
            return true;
        }
        Duration backoff = firstBackoff;
        for (int attempt = 1; ; attempt++) {
            try {
                handle(event);
                return true;
            } catch (RuntimeException e) {
                if (attempt == ATTEMPTS) {
                    events.quarantine(group, record, "not handled after " + ATTEMPTS + " attempts: " + e.getMessage());
                    return true;
                }
                LOG.warnf("%s: the %s at offset %d failed (attempt %d of %d), retrying in %d ms: %s", topic, what,
                        record.offset(), attempt, ATTEMPTS, backoff.toMillis(), e.getMessage());
                if (!pause(backoff)) {
                    return false;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private boolean pause(Duration how) {
        try {
            Thread.sleep(how.toMillis());
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
