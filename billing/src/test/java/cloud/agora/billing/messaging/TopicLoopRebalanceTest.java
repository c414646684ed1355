package cloud.agora.billing.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.support.events.EventsConfig;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.testsupport.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A consumer-group rebalance in the middle of a batch's transaction, against a real broker: billing's topics share one
 * consumer group, so a replica joining, or another of the service's loops joining late, revokes every member's
 * partitions (Kafka's eager protocol). The batch being applied must be finished and its offsets committed before its
 * partition leaves the loop, or the partition comes back at its last committed offset and the batch is applied twice
 * (for receipts: a quarantine full of "replayed" entries for receipts nobody replayed).
 */
class TopicLoopRebalanceTest {

    private static final int RECORDS = 50;

    @Test
    @Timeout(120)
    void aRebalanceDuringABatchsTransactionAppliesNoRecordTwice() throws Exception {
        rebalanceDuringTheFirstBatch(false);
    }

    /** The batch finished before revoking failed: its offsets are not committed, and it is applied once afterwards. */
    @Test
    @Timeout(120)
    void aBatchThatFailsDuringARebalanceIsAppliedAfterItAndNoRecordIsLost() throws Exception {
        rebalanceDuringTheFirstBatch(true);
    }

    private void rebalanceDuringTheFirstBatch(boolean firstFails) throws Exception {
        String bootstrap = KafkaBroker.bootstrapServers();
        String topic = "topicloop.rebalance." + System.nanoTime();
        String group = "topicloop-" + System.nanoTime();
        for (int i = 0; i < RECORDS; i++) {
            KafkaBroker.send(new ProducerRecord<>(topic, 0, "k", "record " + i));
        }
        List<List<Long>> prepared = new CopyOnWriteArrayList<>();
        List<Long> applied = new CopyOnWriteArrayList<>();
        CountDownLatch applying = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        TopicLoop<List<ConsumerRecord<String, String>>> loop = new TopicLoop<>(bootstrap, membership(group), topic,
                2_000, events(bootstrap), records -> {
                    prepared.add(records.stream().map(ConsumerRecord::offset).toList());
                    return records;
                }, records -> {
                    if (first.getAndSet(false)) {
                        applying.countDown();
                        await(release);
                        if (firstFails) {
                            throw new IllegalStateException("the transaction failed");
                        }
                    }
                    records.forEach(r -> applied.add(r.offset()));
                });
        loop.start();
        Member other = new Member(bootstrap, group, topic + ".other");
        try {
            assertThat(applying.await(60, TimeUnit.SECONDS)).as("the first batch's transaction started").isTrue();
            other.start(); // a second member joins the group: a rebalance while the first batch is being applied
            // the transaction ends at one of two events: the loop is finishing the batch before giving up its
            // partition (the defence), or the partition came back and its records were polled again (no defence)
            while (!finishingBeforeRevoking(topic) && prepared.stream().filter(offsets -> offsets.contains(0L)).count() < 2) {
                Thread.sleep(10);
            }
            release.countDown();
            // a last record, applied after anything polled before it: then nothing else is on its way
            KafkaBroker.send(new ProducerRecord<>(topic, 0, "k", "last"));
            while (!applied.contains((long) RECORDS)) {
                Thread.sleep(10);
            }
            List<Long> once = new ArrayList<>();
            for (long offset = 0; offset <= RECORDS; offset++) {
                once.add(offset);
            }
            assertThat(applied).as("every record applied once, in order").containsExactlyElementsOf(once);
        } finally {
            release.countDown();
            other.close();
            loop.stop();
        }
    }

    /** Whether the loop's thread is in the rebalance listener's revocation, waiting for the batch being applied. */
    private static boolean finishingBeforeRevoking(String topic) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().equals("billing-" + topic))
                .flatMap(e -> Arrays.stream(e.getValue()))
                .anyMatch(frame -> frame.getMethodName().equals("onPartitionsRevoked")
                        && frame.getClassName().startsWith(TopicLoop.class.getName()));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A member of the same group following another topic (as billing's loops do), polling on a thread of its own. */
    private static final class Member implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        Member(String bootstrap, String group, String topic) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            consumer = new KafkaConsumer<>(props);
            thread = new Thread(() -> {
                consumer.subscribe(List.of(topic));
                try {
                    while (running) {
                        consumer.poll(Duration.ofMillis(100));
                    }
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                    // closing
                } finally {
                    consumer.close(Duration.ofSeconds(5));
                }
            }, "member-" + topic);
        }

        void start() {
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            if (thread.isAlive()) {
                thread.join(10_000);
            } else {
                consumer.close(Duration.ofSeconds(5));
            }
        }
    }

    private static BillingConfig.Ingestion membership(String group) {
        return new BillingConfig.Ingestion() {
            @Override
            public boolean kafka() {
                return true;
            }

            @Override
            public String consumerGroup() {
                return group;
            }

            @Override
            public Optional<String> instanceId() {
                return Optional.empty();
            }

            @Override
            public Optional<Duration> sessionTimeout() {
                return Optional.empty();
            }

            @Override
            public int batchSize() {
                return 2_000;
            }

            @Override
            public int maxHttpBatch() {
                return 5_000;
            }
        };
    }

    /** No producer configured: the test's topics are read as written. */
    private static SignedEvents events(String bootstrap) {
        EventsConfig.Producers none = new EventsConfig.Producers() {
            @Override
            public Optional<List<String>> marketplace() {
                return Optional.empty();
            }

            @Override
            public Optional<List<String>> billing() {
                return Optional.empty();
            }

            @Override
            public Optional<List<String>> governance() {
                return Optional.empty();
            }

            @Override
            public Optional<List<String>> functions() {
                return Optional.empty();
            }
        };
        return new SignedEvents(new EventsConfig() {
            @Override
            public Optional<String> keyFile() {
                return Optional.empty();
            }

            @Override
            public Duration firstRetry() {
                return Duration.ofMillis(250);
            }

            @Override
            public Producers producers() {
                return none;
            }
        }, Optional.of(bootstrap));
    }
}
