package cloud.agora.functions.messaging;

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
abstract class TopicFollower {

    private static final Logger LOG = Logger.getLogger(TopicFollower.class);

    private final String topic;
    private final String group;
    private final Optional<String> bootstrapServers;
    private volatile KafkaConsumer<String, String> consumer;

    TopicFollower(String topic, String group, Optional<String> bootstrapServers) {
        this.topic = topic;
        this.group = group;
        this.bootstrapServers = bootstrapServers;
    }

    /** Handles one record; a malformed one is logged and skipped by the implementation. */
    abstract void handle(ConsumerRecord<String, String> record);

    void startFollowing() {
        if (bootstrapServers.isEmpty()) {
            LOG.warnf("kafka.bootstrap.servers is not set: %s is not followed", topic);
            return;
        }
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
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers.get());
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
