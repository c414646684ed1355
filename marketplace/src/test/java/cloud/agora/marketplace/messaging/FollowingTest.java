package cloud.agora.marketplace.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.support.events.Following;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.TopicReader;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The followers' declared failure strategy ({@link Following}: SmallRye channel, fault tolerance's retry, the
 * quarantine strategy) against the real broker: a transient failure loses nothing and keeps the order; a record that
 * always fails is quarantined after the bounded attempts and the channel goes on. (A record its producer did not sign,
 * and a poison record, are quarantined at once: {@code GovernedRulesTest}.)
 */
@QuarkusTest
class FollowingTest {

    @Inject
    FlakyFollower follower;

    private static void send(String... payloads) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (String payload : payloads) {
                producer.send(new ProducerRecord<>(FlakyFollower.TOPIC, "k", JsonCodec.write(EventEnvelope.of(
                        "TestHappened", "test", Instant.now(), "k", payload)))).get();
            }
        }
    }

    @Test
    void aTransientFailureIsRetriedUntilTheEventIsHandledInOrderAndNothingIsLost() throws Exception {
        String run = UUID.randomUUID().toString();
        String a = run + "-a";
        String b = run + "-b";
        String c = run + "-c";
        follower.fail(b, 3);
        send(a, b, c);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> follower.handled().contains(c));
        assertThat(follower.handled().stream().filter(p -> p.startsWith(run))).containsExactly(a, b, c);
        assertThat(follower.attempts(b)).isEqualTo(4);
    }

    @Test
    void anEventThatAlwaysFailsIsQuarantinedAfterTheBoundedAttemptsAndTheChannelGoesOn() throws Exception {
        String run = UUID.randomUUID().toString();
        String never = run + "-never";
        String after = run + "-after";
        follower.fail(never, Integer.MAX_VALUE);
        send(never, after);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> follower.handled().contains(after));
        assertThat(follower.handled().stream().filter(p -> p.startsWith(run))).containsExactly(after);
        assertThat(follower.attempts(never)).isEqualTo(Following.ATTEMPTS);
        List<ConsumerRecord<String, String>> quarantined = TopicReader.readUntil(Topics.QUARANTINE,
                records -> records.stream().anyMatch(r -> r.value() != null && r.value().contains(never)),
                Duration.ofSeconds(30));
        assertThat(quarantined.stream().filter(r -> r.value() != null && r.value().contains(never))
                .map(r -> header(r, SignedEvents.REASON))).singleElement().asString()
                .startsWith(Following.GAVE_UP).contains("the store is down");
        assertThat(quarantined.stream().filter(r -> r.value() != null && r.value().contains(never))
                .map(r -> header(r, SignedEvents.CONSUMER))).containsExactly("marketplace-test");
        assertThat(quarantined.stream().filter(r -> r.value() != null && r.value().contains(never))
                .map(r -> header(r, SignedEvents.ORIGIN))).singleElement().asString().startsWith(FlakyFollower.TOPIC + "/");
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
