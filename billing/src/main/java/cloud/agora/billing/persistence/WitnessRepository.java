package cloud.agora.billing.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Receipts waiting for the gateway's witness ({@code awaiting_witness}): the agent's copies, provider-signed and within
 * bounds but not counter-signed. Keyed by receipt hash, so that a receipt under another provider's invocation id
 * waits beside the honest one instead of blocking it. Rating the counter-signed copy removes its waiting twin (in
 * {@link ReceiptRepository#insertNew}); what waits longer than the witness window is taken by the sweep.
 */
@ApplicationScoped
public class WitnessRepository {

    /** A receipt waiting for its witness. */
    public record Waiting(String hash, UUID invocationId, UUID leaseId, String provider, String source, String payload) {
    }

    /** An expired waiting receipt, and whether its witnessed twin was rated meanwhile (then it is only removed). */
    public record Expired(Waiting waiting, boolean rated) {
    }

    /** Adds the receipts to the waiting ones (a receipt already waiting keeps its first arrival); one statement. */
    public void await(Connection c, List<Waiting> receipts, Instant arrivedAt) throws SQLException {
        if (receipts.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO awaiting_witness (receipt_hash, invocation_id, lease_id, provider_address, source, payload, arrived_at)
                SELECT h, i, l, p, s, pl, ? FROM unnest(?::text[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[])
                     AS t(h, i, l, p, s, pl)
                ON CONFLICT (receipt_hash) DO NOTHING""")) {
            s.setTimestamp(1, Timestamp.from(arrivedAt));
            s.setArray(2, c.createArrayOf("text", receipts.stream().map(Waiting::hash).toArray()));
            s.setArray(3, c.createArrayOf("uuid", receipts.stream().map(Waiting::invocationId).toArray()));
            s.setArray(4, c.createArrayOf("uuid", receipts.stream().map(Waiting::leaseId).toArray()));
            s.setArray(5, c.createArrayOf("text", receipts.stream().map(Waiting::provider).toArray()));
            s.setArray(6, c.createArrayOf("text", receipts.stream().map(Waiting::source).toArray()));
            s.setArray(7, c.createArrayOf("text", receipts.stream().map(Waiting::payload).toArray()));
            s.executeUpdate();
        }
    }

    /**
     * Removes up to {@code limit} receipts that arrived before {@code before} and returns them, each with whether a
     * receipt of the same hash is rated (its witnessed twin, rated by a transaction that did not yet see it waiting).
     */
    public List<Expired> takeExpired(Connection c, Instant before, int limit) throws SQLException {
        List<Expired> expired = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                WITH taken AS (
                    DELETE FROM awaiting_witness WHERE receipt_hash IN (
                        SELECT receipt_hash FROM awaiting_witness WHERE arrived_at < ? ORDER BY arrived_at LIMIT ?
                        FOR UPDATE SKIP LOCKED)
                    RETURNING *)
                SELECT t.receipt_hash, t.invocation_id, t.lease_id, t.provider_address, t.source, t.payload,
                       r.invocation_id IS NOT NULL
                FROM taken t LEFT JOIN receipts r ON r.invocation_id = t.invocation_id AND r.receipt_hash = t.receipt_hash""")) {
            s.setTimestamp(1, Timestamp.from(before));
            s.setInt(2, limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    expired.add(new Expired(new Waiting(r.getString(1), r.getObject(2, UUID.class), r.getObject(3, UUID.class),
                            r.getString(4), r.getString(5), r.getString(6)), r.getBoolean(7)));
                }
            }
        }
        return expired;
    }
}
