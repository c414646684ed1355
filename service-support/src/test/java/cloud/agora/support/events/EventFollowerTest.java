package cloud.agora.support.events;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.TopicReader;
import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The followers' failure strategy against a real broker: a handler that fails for a while (a database outage) has its
 * record retried until it succeeds, in order, nothing lost; a record that always fails is quarantined after the
 * bounded attempts and the follower goes on.
 */
class EventFollowerTest {

    private static final TypeReference<EventEnvelope<String>> ENVELOPE = new TypeReference<>() {
    };

    /** A follower of a fresh topic whose handler fails as {@code failures} says, recording what it handled. */
    private static final class Follower extends EventFollower<String> {
        final List<String> handled = new CopyOnWriteArrayList<>();
        final Map<String, Integer> failures;
        final Map<String, AtomicInteger> attempts = new java.util.concurrent.ConcurrentHashMap<>();
        final CountDownLatch done;

        Follower(String topic, Map<String, Integer> failures, int expected) {
            super(topic, "test-" + UUID.randomUUID(), Optional.of(KafkaBroker.bootstrapServers()), ENVELOPE, "test event",
                    new SignedEvents(new NoProducers(), Optional.of(KafkaBroker.bootstrapServers())), Duration.ofMillis(10));
            this.failures = failures;
            this.done = new CountDownLatch(expected);
        }

        @Override
        protected void handle(EventEnvelope<String> event) {
            int attempt = attempts.computeIfAbsent(event.data(), k -> new AtomicInteger()).incrementAndGet();
            if (attempt <= failures.getOrDefault(event.data(), 0)) {
                throw new IllegalStateException("database: connection refused (" + event.data() + ", attempt " + attempt + ")");
            }
            handled.add(event.data());
            done.countDown();
        }
    }

    /** Signed events off: this test is about failures, not signatures. */
    private static final class NoProducers implements EventsConfig {
        @Override
        public Optional<String> keyFile() {
            return Optional.empty();
        }

        @Override
        public Producers producers() {
            return new Producers() {
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
        }
    }

    private static void send(String topic, String... payloads) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (String payload : payloads) {
                producer.send(new ProducerRecord<>(topic, "k", JsonCodec.write(EventEnvelope.of("TestHappened", "test",
                        Instant.now(), "k", payload)))).get();
            }
        }
    }

    @Test
    void aTransientFailureIsRetriedUntilTheEventIsHandledInOrderAndNothingIsLost() throws Exception {
        String topic = "test.retry-" + UUID.randomUUID();
        Follower follower = new Follower(topic, Map.of("b", 3), 3);
        send(topic, "a", "b", "c");
        follower.startFollowing();
        try {
            assertThat(follower.done.await(60, TimeUnit.SECONDS)).as("handled: %s", follower.handled).isTrue();
            assertThat(follower.handled).containsExactly("a", "b", "c");
            assertThat(follower.attempts.get("b")).hasValue(4);
        } finally {
            follower.stopFollowing();
        }
    }

    @Test
    void anEventThatAlwaysFailsIsQuarantinedAfterTheBoundedAttemptsAndTheFollowerGoesOn() throws Exception {
        String topic = "test.poison-" + UUID.randomUUID();
        Follower follower = new Follower(topic, Map.of("never", Integer.MAX_VALUE), 1);
        send(topic, "never", "after");
        follower.startFollowing();
        try {
            assertThat(follower.done.await(60, TimeUnit.SECONDS)).as("handled: %s", follower.handled).isTrue();
            assertThat(follower.handled).containsExactly("after");
            assertThat(follower.attempts.get("never")).hasValue(EventFollower.ATTEMPTS);
            List<ConsumerRecord<String, String>> quarantined = TopicReader.readUntil(Topics.QUARANTINE,
                    records -> records.stream().anyMatch(r -> origin(r).startsWith(topic)), Duration.ofSeconds(30));
            assertThat(quarantined.stream().filter(r -> origin(r).startsWith(topic)).map(r -> new String(
                    r.headers().lastHeader(SignedEvents.REASON).value(), StandardCharsets.UTF_8)))
                    .singleElement().asString().startsWith("not handled after " + EventFollower.ATTEMPTS + " attempts");
        } finally {
            follower.stopFollowing();
        }
    }

    private static String origin(ConsumerRecord<String, String> record) {
        var header = record.headers().lastHeader(SignedEvents.ORIGIN);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
