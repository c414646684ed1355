package cloud.agora.protocol.event;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The envelope of every record on the platform's Kafka topics (after CloudEvents' required
 * attributes). Consumers are idempotent on {@code id}: a redelivered record has the same id.
 *
 * @param id      unique per event; the deduplication key
 * @param type    what happened, {@code <Aggregate><PastVerb>} (e.g. {@code LeaseCreated})
 * @param source  the service that emitted it (e.g. {@code marketplace})
 * @param time    when it happened
 * @param subject the aggregate it is about (also the record key)
 * @param data    the payload, one record type per topic
 */
public record EventEnvelope<T>(String id, String type, String source, Instant time, String subject, T data) {

    public EventEnvelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(subject, "subject");
    }

    /** A new event with a random id. */
    public static <T> EventEnvelope<T> of(String type, String source, Instant time, String subject, T data) {
        return new EventEnvelope<>(UUID.randomUUID().toString(), type, source, time, subject, data);
    }
}
