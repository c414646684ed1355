package cloud.agora.billing.messaging;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * One thread consuming one topic with manual offset commits: poll a batch, hand it to the handler (which commits
 * its database transaction), then commit the offsets. A crash between the two redelivers the batch, which the
 * handler deduplicates; a handler failure rewinds to the batch's first offsets and retries after a pause, so
 * nothing is skipped. Kafka outages are ridden out by the client's reconnects.
 */
final class TopicLoop implements Runnable {

    private static final Logger LOG = Logger.getLogger(TopicLoop.class);

    private final String topic;
    private final KafkaConsumer<String, String> consumer;
    private final Consumer<List<ConsumerRecord<String, String>>> handler;
    private final Thread thread;
    private volatile boolean running = true;

    TopicLoop(String bootstrapServers, String group, java.util.Optional<String> instanceId, String topic, int batchSize,
            Consumer<List<ConsumerRecord<String, String>>> handler) {
        Properties props = new Properties();
        instanceId.ifPresent(id -> props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id + "-" + topic));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batchSize);
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 64 * 1024);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        // a record may be a batch of hundreds of receipts: let one poll bring several (the default 1 MiB brings one)
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        this.topic = topic;
        this.consumer = new KafkaConsumer<>(props);
        this.handler = handler;
        this.thread = new Thread(this, "billing-" + topic);
    }

    void start() {
        thread.start();
    }

    void stop() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                List<ConsumerRecord<String, String>> batch = new java.util.ArrayList<>(records.count());
                records.forEach(batch::add);
                try {
                    handler.accept(batch);
                } catch (RuntimeException e) {
                    LOG.warnf("%s: a batch of %d records failed, retrying it: %s", topic, batch.size(), e.getMessage());
                    rewind(batch);
                    pause();
                    continue;
                }
                try {
                    consumer.commitSync();
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // the batch is in the database; a redelivery is deduplicated there
                    LOG.warnf("%s: offset commit failed (the batch will be redelivered and deduplicated): %s", topic, e.getMessage());
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: the consumer stopped", topic);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void rewind(List<ConsumerRecord<String, String>> batch) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<String, String> r : batch) {
            first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        first.forEach(consumer::seek);
    }

    private void pause() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
