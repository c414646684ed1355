package cloud.agora.storage.persistence;

import cloud.agora.storage.domain.pin.PinState;
import cloud.agora.storage.domain.replica.Replica;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.Map;

/** Counts what the gateway keeps, across its instances: uploaded objects, pin requests and replicas by state. */
@ApplicationScoped
public class StorageCensus {

    /**
     * What the gateway keeps.
     *
     * @param objects  distinct objects stored through uploads (one CID uploaded by two accounts counts once)
     * @param bytes    their bytes
     * @param pins     pin requests per state (every state present)
     * @param replicas replicas per state (every state present)
     */
    public record Figures(long objects, long bytes, Map<PinState, Long> pins, Map<Replica.State, Long> replicas) {

        /** Nothing counted yet. */
        public static Figures none() {
            return new Figures(0, 0, zeros(PinState.class), zeros(Replica.State.class));
        }
    }

    /** The figures as they are now. */
    public Figures count(Connection c) throws SQLException {
        long objects;
        long bytes;
        try (PreparedStatement s = c.prepareStatement("""
                SELECT count(*), coalesce(sum(size), 0)
                FROM (SELECT DISTINCT ON (cid) cid, size FROM uploaded_objects ORDER BY cid) o""");
                ResultSet r = s.executeQuery()) {
            r.next();
            objects = r.getLong(1);
            bytes = r.getLong(2);
        }
        Map<PinState, Long> pins = zeros(PinState.class);
        try (PreparedStatement s = c.prepareStatement("SELECT status, count(*) FROM pins GROUP BY status");
                ResultSet r = s.executeQuery()) {
            while (r.next()) {
                pins.put(PinState.fromWire(r.getString(1)), r.getLong(2));
            }
        }
        Map<Replica.State, Long> replicas = zeros(Replica.State.class);
        try (PreparedStatement s = c.prepareStatement("SELECT state, count(*) FROM replicas GROUP BY state");
                ResultSet r = s.executeQuery()) {
            while (r.next()) {
                replicas.put(Replica.State.valueOf(r.getString(1).toUpperCase(java.util.Locale.ROOT)), r.getLong(2));
            }
        }
        return new Figures(objects, bytes, pins, replicas);
    }

    private static <E extends Enum<E>> Map<E, Long> zeros(Class<E> type) {
        Map<E, Long> counts = new EnumMap<>(type);
        for (E value : type.getEnumConstants()) {
            counts.put(value, 0L);
        }
        return counts;
    }
}
