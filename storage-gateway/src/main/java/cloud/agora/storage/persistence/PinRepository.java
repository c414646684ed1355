package cloud.agora.storage.persistence;

import cloud.agora.protocol.eth.Address;
import cloud.agora.ipld.Cid;
import cloud.agora.storage.domain.pin.PinQuery;
import cloud.agora.storage.domain.pin.PinRequest;
import cloud.agora.storage.domain.pin.PinState;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Pin requests in PostgreSQL (table {@code pins}); every method works inside the caller's connection. */
@ApplicationScoped
public class PinRepository {

    private static final String COLUMNS = "request_id, owner, cid, name, origins, meta, status, created, info";
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private final ObjectMapper json;

    public PinRepository(ObjectMapper json) {
        this.json = json;
    }

    /** Inserts a new request; {@code replacedCid} names the CID it replaces, if any. */
    public void insert(Connection c, PinRequest pin, Cid replacedCid) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO pins (" + COLUMNS + ", updated, replaced_cid) "
                + "VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?::jsonb, ?, ?)")) {
            s.setObject(1, pin.requestId());
            s.setString(2, pin.owner().value());
            s.setString(3, pin.spec().cid().toString());
            s.setString(4, pin.spec().name());
            s.setString(5, write(pin.spec().origins()));
            s.setString(6, write(pin.spec().meta()));
            s.setString(7, pin.state().wire());
            s.setTimestamp(8, Timestamp.from(pin.created()));
            s.setString(9, write(pin.info()));
            s.setTimestamp(10, Timestamp.from(pin.created()));
            s.setString(11, replacedCid == null ? null : replacedCid.toString());
            s.executeUpdate();
        }
    }

    /** The caller's request, locked for update when {@code lock}. */
    public Optional<PinRequest> find(Connection c, Address owner, UUID requestId, boolean lock) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM pins WHERE request_id = ? AND owner = ?"
                + (lock ? " FOR UPDATE" : ""))) {
            s.setObject(1, requestId);
            s.setString(2, owner.value());
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        }
    }

    /** Deletes a request. */
    public void delete(Connection c, UUID requestId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM pins WHERE request_id = ?")) {
            s.setObject(1, requestId);
            s.executeUpdate();
        }
    }

    /** The matching count and the newest {@code query.limit()} of the owner's requests. */
    public Page list(Connection c, Address owner, PinQuery query) throws SQLException {
        StringBuilder where = new StringBuilder(" WHERE owner = ?");
        List<Object> args = new ArrayList<>(List.of(owner.value()));
        if (!query.cids().isEmpty()) {
            where.append(" AND cid = ANY (?)");
            args.add(query.cids().toArray(String[]::new));
        }
        if (query.name() != null) {
            String like = "%" + query.name().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            switch (query.match()) {
                case EXACT -> { where.append(" AND name = ?"); args.add(query.name()); }
                case IEXACT -> { where.append(" AND lower(name) = lower(?)"); args.add(query.name()); }
                case PARTIAL -> { where.append(" AND name LIKE ?"); args.add(like); }
                case IPARTIAL -> { where.append(" AND name ILIKE ?"); args.add(like); }
            }
        }
        where.append(" AND status = ANY (?)");
        args.add(query.states().stream().map(PinState::wire).toArray(String[]::new));
        if (query.before() != null) {
            where.append(" AND created < ?");
            args.add(Timestamp.from(query.before()));
        }
        if (query.after() != null) {
            where.append(" AND created > ?");
            args.add(Timestamp.from(query.after()));
        }
        if (!query.meta().isEmpty()) {
            where.append(" AND meta @> ?::jsonb");
            args.add(write(query.meta()));
        }
        int count;
        try (PreparedStatement s = prepare(c, "SELECT count(*) FROM pins" + where, args)) {
            try (ResultSet r = s.executeQuery()) {
                r.next();
                count = r.getInt(1);
            }
        }
        List<PinRequest> results = new ArrayList<>();
        args.add(query.limit());
        try (PreparedStatement s = prepare(c, "SELECT " + COLUMNS + " FROM pins" + where + " ORDER BY created DESC LIMIT ?",
                args)) {
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    results.add(read(r));
                }
            }
        }
        return new Page(count, results);
    }

    /** A listing: the total count and one page. */
    public record Page(int count, List<PinRequest> results) {
    }

    /**
     * A request to work on.
     *
     * @param requestId   the request
     * @param owner       who made it (and pays for its replicas)
     * @param cid         its CID
     * @param replacedCid the CID it replaced, to release once it settles
     */
    public record Claim(UUID requestId, Address owner, Cid cid, Cid replacedCid) {
    }

    /**
     * Moves up to {@code max} queued requests (and ones stuck in pinning since before
     * {@code staleBefore}) to pinning, oldest first, skipping rows other workers hold.
     */
    public List<Claim> claim(Connection c, int max, Instant now, Instant staleBefore) throws SQLException {
        List<Claim> claims = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("UPDATE pins SET status = 'pinning', updated = ? WHERE request_id IN ("
                + "SELECT request_id FROM pins WHERE status = 'queued' OR (status = 'pinning' AND updated < ?) "
                + "ORDER BY created LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING request_id, owner, cid, replaced_cid")) {
            s.setTimestamp(1, Timestamp.from(now));
            s.setTimestamp(2, Timestamp.from(staleBefore));
            s.setInt(3, max);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    String replaced = r.getString(4);
                    claims.add(new Claim(r.getObject(1, UUID.class), Address.parse(r.getString(2)),
                            Cid.parse(r.getString(3)), replaced == null ? null : Cid.parse(replaced)));
                }
            }
        }
        return claims;
    }

    /** Records how pinning ended; false when the request was removed meanwhile. */
    public boolean settle(Connection c, UUID requestId, PinState state, Map<String, String> info, Instant now)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE pins SET status = ?, info = ?::jsonb, updated = ?, "
                + "replaced_cid = NULL WHERE request_id = ? AND status = 'pinning'")) {
            s.setString(1, state.wire());
            s.setString(2, write(info));
            s.setTimestamp(3, Timestamp.from(now));
            s.setObject(4, requestId);
            return s.executeUpdate() == 1;
        }
    }

    /**
     * How many provider replicas {@code owner}'s live requests (pinning or pinned) of {@code cid} ask for, paid by
     * {@code owner}: the largest {@code meta.replication}, {@code fallback} for a request that names none. A value
     * that is not a whole number counts as {@code fallback}.
     */
    public int replicationWanted(Connection c, Cid cid, Address owner, int fallback) throws SQLException {
        return replicationWantedByOwner(c, cid, fallback).getOrDefault(owner, 0);
    }

    /**
     * For each owner with a live request (pinning or pinned) of {@code cid}, how many replicas it asks for and pays
     * for (as {@link #replicationWanted}; 0 for an owner whose requests ask for none).
     */
    public Map<Address, Integer> replicationWantedByOwner(Connection c, Cid cid, int fallback) throws SQLException {
        return wanted(c, cid, null, List.of("pinning", "pinned"), fallback);
    }

    /**
     * Whether a request of {@code owner} for {@code cid} that is queued, pinning or pinned asks for replicas: while
     * one does, the owner's replicas of {@code cid} are kept (a queued one would buy them again at once).
     */
    public boolean replicasNeeded(Connection c, Cid cid, Address owner, int fallback) throws SQLException {
        return wanted(c, cid, owner, List.of("queued", "pinning", "pinned"), fallback).getOrDefault(owner, 0) > 0;
    }

    private Map<Address, Integer> wanted(Connection c, Cid cid, Address owner, List<String> states, int fallback)
            throws SQLException {
        Map<Address, Integer> wanted = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT owner, meta->>'replication' FROM pins WHERE cid = ? "
                + "AND status = ANY (?)" + (owner == null ? "" : " AND owner = ?"))) {
            s.setString(1, cid.toString());
            s.setArray(2, c.createArrayOf("text", states.toArray(String[]::new)));
            if (owner != null) {
                s.setString(3, owner.value());
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    wanted.merge(Address.parse(r.getString(1)), parseReplication(r.getString(2), fallback), Math::max);
                }
            }
        }
        return wanted;
    }

    /** {@code meta.replication} as a number of replicas (0–16), or {@code fallback}. */
    public static int parseReplication(String value, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.strip());
            return n < 0 || n > 16 ? fallback : n;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** Whether any request (of anyone) still needs the DAG under {@code cid}. */
    public boolean referenced(Connection c, Cid cid) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM pins WHERE cid = ? OR replaced_cid = ?)")) {
            s.setString(1, cid.toString());
            s.setString(2, cid.toString());
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getBoolean(1);
            }
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, List<Object> args) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        for (int i = 0; i < args.size(); i++) {
            Object arg = args.get(i);
            if (arg instanceof String[] array) {
                s.setArray(i + 1, c.createArrayOf("text", array));
            } else {
                s.setObject(i + 1, arg);
            }
        }
        return s;
    }

    private PinRequest read(ResultSet r) throws SQLException {
        return new PinRequest(r.getObject("request_id", UUID.class), Address.parse(r.getString("owner")),
                new PinRequest.PinSpec(Cid.parse(r.getString("cid")), r.getString("name"),
                        readJson(r.getString("origins"), STRINGS), readJson(r.getString("meta"), STRING_MAP)),
                PinState.fromWire(r.getString("status")), r.getTimestamp("created").toInstant(),
                readJson(r.getString("info"), STRING_MAP));
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("strings and maps of strings always serialize", e);
        }
    }

    private <T> T readJson(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the pins table holds only JSON the service wrote", e);
        }
    }
}
