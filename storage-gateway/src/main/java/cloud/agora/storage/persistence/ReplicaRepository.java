package cloud.agora.storage.persistence;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.eth.Address;
import cloud.agora.storage.domain.replica.Replica;
import cloud.agora.storage.domain.replica.Seal;
import cloud.agora.storage.domain.replica.StorageLease;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** The {@code replicas} table: copies of pinned DAGs on providers, one per storage lease. */
@ApplicationScoped
public class ReplicaRepository {

    private static final String COLUMNS = "lease_id, cid, provider, endpoint, state, audits, audited, reason, seal_key, "
            + "payer, created, witnessed_until";

    /** Records a new replica of {@code payer} in {@code transferring}, with the key its blocks are sealed under. */
    public void insert(Connection c, StorageLease lease, Cid root, Address payer, Seal seal, Instant now)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO replicas (lease_id, cid, provider, endpoint, state, created, "
                + "seal_key, payer) VALUES (?, ?, ?, ?, 'transferring', ?, ?, ?)")) {
            s.setObject(1, lease.leaseId());
            s.setString(2, root.toString());
            s.setString(3, lease.provider());
            s.setString(4, lease.endpoint());
            s.setTimestamp(5, Timestamp.from(now));
            s.setBytes(6, seal.key());
            s.setString(7, payer.value());
            s.executeUpdate();
        }
    }

    /**
     * Records that the lease's storage periods up to {@code until} were witnessed, if nothing else moved its mark
     * since it was read as {@code from} (null: none witnessed).
     *
     * @return whether the mark moved
     */
    public boolean witnessed(Connection c, UUID leaseId, Instant from, Instant until) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE replicas SET witnessed_until = ? WHERE lease_id = ? "
                + "AND witnessed_until IS NOT DISTINCT FROM ?")) {
            s.setTimestamp(1, Timestamp.from(until));
            s.setObject(2, leaseId);
            s.setTimestamp(3, from == null ? null : Timestamp.from(from));
            return s.executeUpdate() == 1;
        }
    }

    /** The replica of a lease, if the gateway recorded one. */
    public java.util.Optional<Replica> ofLease(Connection c, UUID leaseId) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM replicas WHERE lease_id = ?", leaseId).stream().findFirst();
    }

    /** Moves a replica to {@code state}, with the reason when there is one. */
    public void mark(Connection c, UUID leaseId, Replica.State state, String reason) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE replicas SET state = ?, reason = ? WHERE lease_id = ?")) {
            s.setString(1, state.wire());
            s.setString(2, reason);
            s.setObject(3, leaseId);
            s.executeUpdate();
        }
    }

    /** Records a passed audit. */
    public void audited(Connection c, UUID leaseId, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE replicas SET audits = audits + 1, audited = ? WHERE lease_id = ? AND state = 'active'")) {
            s.setTimestamp(1, Timestamp.from(now));
            s.setObject(2, leaseId);
            s.executeUpdate();
        }
    }

    /** The replicas of a DAG, oldest first. */
    public List<Replica> ofRoot(Connection c, Cid root) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM replicas WHERE cid = ? ORDER BY created", root.toString());
    }

    /** Every replica in {@code state}, across DAGs. */
    public List<Replica> inState(Connection c, Replica.State state) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM replicas WHERE state = ? ORDER BY created", state.wire());
    }

    private static List<Replica> query(Connection c, String sql, Object arg) throws SQLException {
        List<Replica> replicas = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, arg);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    byte[] sealKey = r.getBytes(9);
                    String payer = r.getString(10);
                    replicas.add(new Replica(new StorageLease(r.getObject(1, UUID.class), r.getString(3), r.getString(4)),
                            Cid.parse(r.getString(2)), payer == null ? null : Address.parse(payer),
                            Replica.State.valueOf(r.getString(5).toUpperCase(Locale.ROOT)), r.getInt(6),
                            instant(r.getTimestamp(7)), r.getString(8), sealKey == null ? null : Seal.of(sealKey),
                            instant(r.getTimestamp(11)), instant(r.getTimestamp(12))));
                }
            }
        }
        return replicas;
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
