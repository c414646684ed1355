package cloud.agora.billing.persistence;

import cloud.agora.billing.domain.Rejection;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Receipts that were not rated, with the reason. One row per (payload, reason): the same payload refused again
 * (a redelivery, a replay) counts in {@code times_seen} instead of growing the table.
 */
@ApplicationScoped
public class QuarantineRepository {

    /**
     * One refused payload.
     *
     * @param providerBatch the root of the provider's batch that attested the receipt, when it came in one (a parked
     *                      receipt is rated later on that attestation); null otherwise
     */
    public record Entry(Rejection rejection, String source, UUID leaseId, String provider, String payload, String providerBatch) {

        public Entry(Rejection rejection, String source, UUID leaseId, String provider, String payload) {
            this(rejection, source, leaseId, provider, payload, null);
        }
    }

    /** A parked receipt waiting for its lease. */
    public record Parked(long id, String payload, String source, String providerBatch) {
    }

    /** Records the entries (batched). */
    public void add(Connection c, List<Entry> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO quarantine (payload_hash, reason, detail, source, invocation_id, lease_id, provider_address, payload,
                    provider_batch)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (payload_hash, reason) DO UPDATE SET
                    times_seen = quarantine.times_seen + 1, last_seen = now(), detail = EXCLUDED.detail""")) {
            for (Entry e : entries) {
                s.setString(1, sha256(e.payload()));
                s.setString(2, e.rejection().reason());
                s.setString(3, e.rejection().detail() == null ? "" : e.rejection().detail());
                s.setString(4, e.source());
                s.setObject(5, e.rejection().invocationId());
                s.setObject(6, e.leaseId());
                s.setString(7, e.provider());
                s.setString(8, e.payload());
                s.setString(9, e.providerBatch());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Takes the receipts parked for {@code leaseId} (marks them resolved inside the caller's transaction). */
    public List<Parked> takeParked(Connection c, UUID leaseId) throws SQLException {
        List<Parked> parked = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE quarantine SET resolved_at = now()
                WHERE lease_id = ? AND reason = 'unknown-lease' AND resolved_at IS NULL
                RETURNING id, payload, source, provider_batch""")) {
            s.setObject(1, leaseId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    parked.add(new Parked(r.getLong(1), r.getString(2), r.getString(3), r.getString(4)));
                }
            }
        }
        return parked;
    }

    static String sha256(String payload) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The payloads quarantined for {@code provider}'s receipts on {@code leaseId}, except for the reasons given. */
    public List<String> payloads(Connection c, UUID leaseId, String provider, Collection<String> exceptReasons)
            throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT payload FROM quarantine
                WHERE lease_id = ? AND provider_address = ? AND reason <> ALL (?)""")) {
            s.setObject(1, leaseId);
            s.setString(2, provider);
            s.setArray(3, c.createArrayOf("text", exceptReasons.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.add(r.getString(1));
                }
            }
        }
        return found;
    }
}
