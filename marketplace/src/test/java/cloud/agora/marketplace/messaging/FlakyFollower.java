package cloud.agora.marketplace.messaging;

import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.support.events.Following;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.faulttolerance.api.ApplyGuard;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * A follower declared as the platform's followers are ({@link Following}), on a test topic, whose handler fails as
 * often as a test says: {@link FollowingTest} watches the declared strategy at work. (The first retry is shortened
 * in the test configuration, {@code agora.events.first-retry}.)
 */
@ApplicationScoped
public class FlakyFollower {

    static final String CHANNEL = "test-flaky";
    static final String TOPIC = "test.flaky.v1";
    private static final TypeReference<EventEnvelope<String>> ENVELOPE = new TypeReference<>() {
    };

    /** Payload → how many more attempts fail. */
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final List<String> handled = new CopyOnWriteArrayList<>();

    private final SignedEvents events;

    public FlakyFollower(SignedEvents events) {
        this.events = events;
    }

    /** Makes the next {@code times} attempts at {@code payload} fail. */
    public void fail(String payload, int times) {
        failures.put(payload, times);
    }

    /** The payloads handled, in order. */
    public List<String> handled() {
        return List.copyOf(handled);
    }

    /** How often {@code payload} was attempted. */
    public int attempts(String payload) {
        AtomicInteger count = attempts.get(payload);
        return count == null ? 0 : count.get();
    }

    @Incoming(CHANNEL)
    @Blocking
    @ApplyGuard(Following.GUARD)
    public void follow(ConsumerRecord<String, String> record) {
        String payload = events.open(record, ENVELOPE, "test event").data();
        attempts.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
        if (failures.getOrDefault(payload, 0) > 0) {
            failures.merge(payload, -1, Integer::sum);
            throw new IllegalStateException("the store is down");
        }
        handled.add(payload);
    }
}
