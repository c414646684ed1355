package cloud.agora.billing.messaging;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.support.kafka.KafkaClients;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.context.ThreadContext;
import org.jboss.logging.Logger;

/**
 * One thread consuming one topic with manual offset commits, in two stages: the consumer thread polls a batch and
 * <em>prepares</em> it (CPU work: parsing, hashing, signature checks), the applier <em>applies</em> it (the database
 * transaction, on a worker-pool thread: a {@link ManagedExecutor} view of the pool running one batch at a time);
 * while batch n's transaction runs, batch n+1 is polled and prepared. A batch's offsets are committed
 * only after its transaction committed, so a crash in between redelivers it and the handler deduplicates it. A
 * failure (in either stage) rewinds to the first offsets of the failed batch (and of the batch prepared behind it)
 * and retries after a pause, so nothing is skipped. A rebalance (a replica joining, or another of the service's
 * loops: they share one consumer group) finishes the batch being applied and commits its offsets before the
 * partitions leave the consumer, so a rebalance redelivers nothing. Kafka outages are ridden out by the client's
 * reconnects. A record its topic's producer did not sign is quarantined ({@link SignedEvents}) and never reaches
 * either stage; its offset is committed with the batch it came in.
 *
 * <p>Lifecycle: made and {@link #start() started} at the service's start, {@link #stop() stopped} at its shutdown (the
 * pause after a failure ends at once, a poll in progress is woken, the batch being applied finishes and its offsets
 * are committed, the consumer leaves the group). The consumer keeps a thread of its own for the life of the service
 * (billing README, "Decisions": why not SmallRye's connector, the scheduler or the worker pool).
 *
 * @param <P> what the prepare stage hands to the apply stage
 */
final class TopicLoop<P> implements Runnable {

    private static final Logger LOG = Logger.getLogger(TopicLoop.class);

    private final String topic;
    private final String group;
    private final SignedEvents events;
    private final KafkaConsumer<String, String> consumer;
    private final Function<List<ConsumerRecord<String, String>>, P> prepare;
    private final Consumer<P> apply;
    private final Thread thread;
    private final ManagedExecutor applier;
    /** Counted down by {@link #stop()}: ends the pause after a failed batch at once. */
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile boolean running = true;
    /** Told, about once a second, how many records the assigned partitions hold past the consumer's position. */
    private volatile java.util.function.LongConsumer behind = records -> {
    };
    private long lagReadAt;

    /** A one-stage loop: {@code handler} does all the work (and the transaction) on the apply thread. */
    static TopicLoop<List<ConsumerRecord<String, String>>> of(String bootstrapServers, BillingConfig.Ingestion group,
            String topic, int batchSize, SignedEvents events, Consumer<List<ConsumerRecord<String, String>>> handler) {
        return new TopicLoop<>(bootstrapServers, group, topic, batchSize, events, records -> records, handler);
    }

    /** A loop of {@code membership}'s consumer group (its id, static membership and session timeout) on {@code topic}. */
    TopicLoop(String bootstrapServers, BillingConfig.Ingestion membership, String topic, int batchSize,
            SignedEvents events, Function<List<ConsumerRecord<String, String>>, P> prepare, Consumer<P> apply) {
        Properties props = new Properties();
        String group = membership.consumerGroup();
        membership.instanceId().ifPresent(id -> props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id + "-" + topic));
        membership.sessionTimeout().ifPresent(timeout -> props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis()));
        props.putAll(KafkaClients.connection(bootstrapServers));
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
        this.group = group;
        this.events = events;
        this.consumer = new KafkaConsumer<>(props);
        this.prepare = prepare;
        this.apply = apply;
        // the consumer's own thread: KafkaConsumer is single-threaded and this loop polls it for the life of the service
        this.thread = new Thread(this, "billing-" + topic);
        this.applier = ManagedExecutor.builder()
                .maxAsync(1)
                .maxQueued(-1)
                .propagated(ThreadContext.NONE)
                .cleared(ThreadContext.NONE)
                .build();
    }

    /** Reports the records not yet fetched to {@code behind} (the meters) from now on; before {@link #start()}. */
    TopicLoop<P> reportingLag(java.util.function.LongConsumer behind) {
        this.behind = behind;
        return this;
    }

    /** Starts following the topic: checks its producer's configuration and starts the consumer's thread. Once. */
    void start() {
        events.follow(topic, group);
        thread.start();
    }

    /**
     * Stops the loop and waits (up to 10 s) for it to end: no new batch is applied, the one being applied is finished
     * and its offsets committed, the consumer is closed. Then the applier is shut down.
     */
    void stop() {
        running = false;
        stopping.countDown();
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warnf("%s: the consumer did not stop within 10 s", topic);
        }
        applier.shutdown();
    }

    /** A batch being applied: its transaction, the offsets to commit after it and where to rewind if it fails. */
    private record Applying(Future<?> transaction, Map<TopicPartition, OffsetAndMetadata> next, Map<TopicPartition, Long> first) {
    }

    /**
     * The batch whose transaction runs, or null; only the consumer's thread reads or writes it (the loop, and the
     * rebalance listener, which Kafka calls from inside {@code poll}).
     */
    private Applying applying;

    /** The batch being applied, which from now on is the caller's to finish; null when there is none. */
    private Applying takeApplying() {
        Applying taken = applying;
        applying = null;
        return taken;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic), new FinishBeforeRevoking());
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(applying == null ? Duration.ofMillis(500) : Duration.ofMillis(5));
                reportLag();
                // every polled record's offset counts (for commits and rewinds); only the admitted ones are handled
                List<ConsumerRecord<String, String>> batch = new java.util.ArrayList<>(records.count());
                records.forEach(batch::add);
                List<ConsumerRecord<String, String>> admitted = new java.util.ArrayList<>(batch.size());
                for (ConsumerRecord<String, String> record : batch) {
                    if (events.admit(group, record)) {
                        admitted.add(record);
                    }
                }
                if (batch.isEmpty() && applying != null && !applying.transaction().isDone()) {
                    // the next fetch is not back yet: keep polling rather than wait for the transaction, or the next
                    // batch is prepared only after it and the two stages no longer overlap
                    continue;
                }
                P prepared = null;
                RuntimeException prepareFailure = null;
                if (!batch.isEmpty()) {
                    try {
                        prepared = prepare.apply(admitted); // overlaps the previous batch's transaction
                    } catch (RuntimeException e) {
                        prepareFailure = e;
                    }
                }
                if (applying != null) {
                    Applying done = takeApplying();
                    if (!finished(done)) {
                        rewind(done.first(), batch);
                        pause();
                        continue;
                    }
                }
                if (prepareFailure != null) {
                    LOG.warnf("%s: a batch of %d records could not be prepared, retrying it: %s", topic, batch.size(),
                            prepareFailure.getMessage());
                    rewind(Map.of(), batch);
                    pause();
                } else if (prepared != null) {
                    P input = prepared;
                    applying = new Applying(applier.submit(() -> apply.accept(input)), next(batch), first(batch));
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: the consumer stopped", topic);
        } finally {
            if (applying != null) {
                // taken first: closing the consumer revokes its partitions, and the listener has nothing left to do
                finished(takeApplying()); // commit what was applied; a failure is redelivered at the next start
            }
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Finishes the batch being applied before its partitions leave this consumer: waits for its transaction and commits
     * its offsets while this member still owns them (a revocation; when they are lost instead, see below). Without it
     * a rebalance in the middle of a transaction (a replica or another of the group's topics joining) hands the
     * partitions back at their last committed offsets: the batch is fetched and applied again, and its receipts land
     * in the quarantine as replays. When the transaction failed, the partitions this member keeps are rewound to the
     * batch's first offsets; the ones it gives up start from their committed offsets wherever they go.
     */
    private final class FinishBeforeRevoking implements org.apache.kafka.clients.consumer.ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(java.util.Collection<TopicPartition> revoked) {
            Applying done = takeApplying();
            if (done != null && !finished(done)) {
                java.util.Set<TopicPartition> kept = new java.util.HashSet<>(consumer.assignment());
                kept.removeAll(revoked);
                done.first().forEach((partition, offset) -> {
                    if (kept.contains(partition)) {
                        consumer.seek(partition, offset);
                    }
                });
            }
        }

        /**
         * The partitions went elsewhere already (this member was fenced): their offsets cannot be committed, so the
         * batch is only waited for (its transaction must end before this member goes on) and is redelivered there.
         */
        @Override
        public void onPartitionsLost(java.util.Collection<TopicPartition> lost) {
            Applying done = takeApplying();
            if (done == null) {
                return;
            }
            try {
                done.transaction().get();
            } catch (ExecutionException e) {
                LOG.warnf("%s: a batch failed as the partitions were lost: %s", topic, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }

        @Override
        public void onPartitionsAssigned(java.util.Collection<TopicPartition> assigned) {
        }
    }

    /** The lag the consumer knows from its last fetches (no request to the broker), on the consumer's thread. */
    private void reportLag() {
        long now = System.nanoTime();
        if (now - lagReadAt < 1_000_000_000L) {
            return;
        }
        lagReadAt = now;
        long records = 0;
        for (TopicPartition partition : consumer.assignment()) {
            records += consumer.currentLag(partition).orElse(0);
        }
        behind.accept(records);
    }

    /** Waits for the batch's transaction; commits its offsets when it committed. Whether it did. */
    private boolean finished(Applying batch) {
        try {
            batch.transaction().get();
        } catch (ExecutionException e) {
            LOG.warnf("%s: a batch failed, retrying it: %s", topic, e.getCause() == null ? e : e.getCause().getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return false;
        }
        try {
            try {
                consumer.commitSync(batch.next());
            } catch (WakeupException stopping) {
                // stop() woke the consumer while this commit ran: the batch is in the database, so commit once more
                // before stopping (a second wake-up is not coming) rather than have it redelivered at the next start
                consumer.commitSync(batch.next());
                throw stopping;
            }
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            // the batch is in the database; a redelivery is deduplicated there
            LOG.warnf("%s: offset commit failed (the batch will be redelivered and deduplicated): %s", topic, e.getMessage());
        }
        return true;
    }

    private static Map<TopicPartition, OffsetAndMetadata> next(List<ConsumerRecord<String, String>> batch) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<String, String> r : batch) {
            next.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return next;
    }

    private static Map<TopicPartition, Long> first(List<ConsumerRecord<String, String>> batch) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<String, String> r : batch) {
            first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        return first;
    }

    /** Seeks back to the first offsets of the failed batch and of the batch polled behind it. */
    private void rewind(Map<TopicPartition, Long> failed, List<ConsumerRecord<String, String>> behind) {
        Map<TopicPartition, Long> to = new HashMap<>(first(behind));
        failed.forEach((partition, offset) -> to.merge(partition, offset, Math::min));
        to.forEach(consumer::seek);
    }

    /** The pause before a failed batch is polled again: a second, or until {@link #stop()}. */
    private void pause() {
        try {
            if (stopping.await(1, TimeUnit.SECONDS)) {
                running = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
