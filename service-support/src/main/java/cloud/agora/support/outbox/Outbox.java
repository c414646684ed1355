package cloud.agora.support.outbox;

import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Records events in the same database transaction as the change they describe, so that an
 * event exists exactly when its change committed (no dual writes). {@link OutboxRelay}
 * publishes them; call {@link OutboxRelay#nudge()} after committing for low latency.
 */
@ApplicationScoped
public class Outbox {

    /**
     * Adds {@code event} to the outbox inside the caller's transaction on {@code connection}. Appending the same event
     * id twice fails (the row's id is unique).
     */
    public void append(Connection connection, String topic, EventEnvelope<?> event) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO outbox (event_id, topic, record_key, payload) VALUES (?, ?, ?, ?)")) {
            bind(insert, 1, topic, event);
            insert.executeUpdate();
        }
    }

    /**
     * The part of one statement that adds an event to the outbox for each row of {@code from} (a {@code WITH} query's
     * name: the statement's other parts decide whether the event is added); its four parameters are set by
     * {@link #bind}. For a change and its event in a single auto-committed statement: one round trip to the database
     * instead of a transaction's three.
     */
    public static String insertFor(String from) {
        return "INSERT INTO outbox (event_id, topic, record_key, payload) SELECT ?::uuid, ?, ?, ? FROM " + from;
    }

    /** Sets {@code event}'s four values for {@link #insertFor} from parameter {@code index}; the next parameter's index. */
    public static int bind(PreparedStatement statement, int index, String topic, EventEnvelope<?> event) throws SQLException {
        List<Object> values = values(topic, event);
        statement.setObject(index, values.get(0));
        for (int i = 1; i < values.size(); i++) {
            statement.setString(index + i, (String) values.get(i));
        }
        return index + values.size();
    }

    /** {@code event}'s four values for {@link #insertFor}, in order: row id (a UUID), topic, key and payload. */
    public static List<Object> values(String topic, EventEnvelope<?> event) {
        return Arrays.asList(rowId(event.id()), topic, event.subject(), JsonCodec.write(event));
    }

    /**
     * The outbox row's id for an event id: the id itself when it is a UUID, else (a batch's Merkle root, which names a
     * batch event) the name-based UUID of its text, so the same event still gets the same row id. A text without a
     * dash is never a UUID: it skips the parse (whose refusal fills in an exception's stack trace, per witness batch).
     */
    static UUID rowId(String eventId) {
        if (eventId.indexOf('-') < 0) {
            return UUID.nameUUIDFromBytes(eventId.getBytes(StandardCharsets.UTF_8));
        }
        try {
            return UUID.fromString(eventId);
        } catch (IllegalArgumentException notUuid) {
            return UUID.nameUUIDFromBytes(eventId.getBytes(StandardCharsets.UTF_8));
        }
    }
}
