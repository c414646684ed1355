package cloud.agora.billing.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import cloud.agora.protocol.eth.Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
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

    /**
     * A receipt waiting for its witness.
     *
     * @param providerBatch the root of the provider's batch that attested it, or null when it carries its own provider
     *                      signature (either was checked before it began waiting)
     */
    public record Waiting(String hash, UUID invocationId, UUID leaseId, String provider, String source, String payload,
            String providerBatch) {
    }

    /** A gateway's witness of a receipt hash: the gateway and the root of the batch it signed. */
    public record Witness(Address gateway, String root) {
    }

    /** The advisory lock key of the witness join ("witness" in ASCII). */
    private static final long WITNESS_JOIN_LOCK = 0x7769746e657373L;

    /**
     * Serialises the transactions that join receipts with witnesses: without it, a provider's copy and the witness
     * of the same hash committed concurrently would each miss the other (the copy sees no witness and waits, the
     * witness sees nothing waiting) and an honest receipt would end unwitnessed. Taken after the lease-arrivals lock
     * when both are taken (no deadlock).
     */
    public void lockJoin(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            s.setLong(1, WITNESS_JOIN_LOCK);
            s.executeQuery().close();
        }
    }

    /** Records the witnessed hashes (a hash witnessed before keeps its first witness); one statement. */
    public void recordWitnessed(Connection c, Map<String, Witness> witnessed) throws SQLException {
        if (witnessed.isEmpty()) {
            return;
        }
        List<String> hashes = new ArrayList<>(witnessed.keySet());
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO witnessed (receipt_hash, gateway_address, batch_root)
                SELECT * FROM unnest(?::text[], ?::text[], ?::text[])
                ON CONFLICT (receipt_hash) DO NOTHING""")) {
            s.setArray(1, c.createArrayOf("text", hashes.toArray()));
            s.setArray(2, c.createArrayOf("text", hashes.stream().map(h -> witnessed.get(h).gateway().value()).toArray()));
            s.setArray(3, c.createArrayOf("text", hashes.stream().map(h -> witnessed.get(h).root()).toArray()));
            s.executeUpdate();
        }
    }

    /** The witnesses recorded for those of {@code hashes} that were witnessed. */
    public Map<String, Witness> witnessed(Connection c, Collection<String> hashes) throws SQLException {
        Map<String, Witness> found = new HashMap<>();
        if (hashes.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement(
                "SELECT receipt_hash, gateway_address, batch_root FROM witnessed WHERE receipt_hash = ANY (?)")) {
            s.setArray(1, c.createArrayOf("text", hashes.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.put(r.getString(1), new Witness(new Address(r.getString(2)), r.getString(3)));
                }
            }
        }
        return found;
    }

    /** Removes and returns the receipts waiting for any of {@code hashes} (their witness has come). */
    public List<Waiting> release(Connection c, Collection<String> hashes) throws SQLException {
        List<Waiting> released = new ArrayList<>();
        if (hashes.isEmpty()) {
            return released;
        }
        try (PreparedStatement s = c.prepareStatement("""
                DELETE FROM awaiting_witness WHERE receipt_hash = ANY (?)
                RETURNING receipt_hash, invocation_id, lease_id, provider_address, source, payload, provider_batch""")) {
            s.setArray(1, c.createArrayOf("text", hashes.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    released.add(waiting(r));
                }
            }
        }
        return released;
    }

    private static Waiting waiting(ResultSet r) throws SQLException {
        return new Waiting(r.getString(1), r.getObject(2, UUID.class), r.getObject(3, UUID.class), r.getString(4),
                r.getString(5), r.getString(6), r.getString(7));
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
                INSERT INTO awaiting_witness (receipt_hash, invocation_id, lease_id, provider_address, source, payload,
                    provider_batch, arrived_at)
                SELECT h, i, l, p, s, pl, pb, ? FROM unnest(?::text[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[],
                    ?::text[]) AS t(h, i, l, p, s, pl, pb)
                ON CONFLICT (receipt_hash) DO NOTHING""")) {
            s.setTimestamp(1, Timestamp.from(arrivedAt));
            s.setArray(2, c.createArrayOf("text", receipts.stream().map(Waiting::hash).toArray()));
            s.setArray(3, c.createArrayOf("uuid", receipts.stream().map(Waiting::invocationId).toArray()));
            s.setArray(4, c.createArrayOf("uuid", receipts.stream().map(Waiting::leaseId).toArray()));
            s.setArray(5, c.createArrayOf("text", receipts.stream().map(Waiting::provider).toArray()));
            s.setArray(6, c.createArrayOf("text", receipts.stream().map(Waiting::source).toArray()));
            s.setArray(7, c.createArrayOf("text", receipts.stream().map(Waiting::payload).toArray()));
            s.setArray(8, c.createArrayOf("text", receipts.stream().map(Waiting::providerBatch).toArray()));
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
                       t.provider_batch, r.invocation_id IS NOT NULL
                FROM taken t LEFT JOIN receipts r ON r.invocation_id = t.invocation_id AND r.receipt_hash = t.receipt_hash""")) {
            s.setTimestamp(1, Timestamp.from(before));
            s.setInt(2, limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    expired.add(new Expired(waiting(r), r.getBoolean(8)));
                }
            }
        }
        return expired;
    }

    /** The receipts (JSON) of {@code provider} on {@code leaseId} still waiting for their witness. */
    public List<String> waitingPayloads(Connection c, UUID leaseId, String provider) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT payload FROM awaiting_witness WHERE lease_id = ? AND provider_address = ?")) {
            s.setObject(1, leaseId);
            s.setString(2, provider);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.add(r.getString(1));
                }
            }
        }
        return found;
    }
}
