package cloud.agora.billing.persistence;

import cloud.agora.billing.domain.RatedReceipt;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.UsageReceipt;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Savepoint;
import java.sql.Statement;
import org.postgresql.PGConnection;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Rated receipts and the running totals. The primary key on {@code invocation_id} is what makes rating
 * exactly-once: a receipt inserted twice is inserted once, and only inserted receipts count in the totals.
 */
@ApplicationScoped
public class ReceiptRepository {

    /**
     * Inserts the receipts not already present and returns the ids actually inserted, removing the copies of the
     * inserted receipts that were waiting for their witness ({@code awaiting_witness}, by receipt hash).
     *
     * <p>The common case is that none of them is stored yet: the rows then go with one binary {@code COPY} straight
     * into {@code receipts} (PostgreSQL inserts them page by page, one WAL record per page), under a savepoint (not
     * released: it ends with the transaction, one round trip fewer).
     * The primary key still guards exactly-once: if any id is stored already (a redelivery, a replay, the same
     * receipt committed concurrently), the {@code COPY} fails as a whole, is rolled back to the savepoint, and the
     * rows go through {@link #insertAbsent} instead. The caller's candidates hold each invocation id once.
     */
    public Set<UUID> insertNew(Connection c, List<RatedReceipt> receipts) throws SQLException {
        if (receipts.isEmpty()) {
            return new HashSet<>();
        }
        byte[] rows = ReceiptCopyRows.of(receipts);
        Savepoint beforeCopy = c.setSavepoint();
        try {
            copy(c, "COPY receipts (" + ReceiptCopyRows.COLUMNS + ") FROM STDIN (FORMAT binary)", rows);
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            c.rollback(beforeCopy);
            return insertAbsent(c, rows);
        }
        try (PreparedStatement s = c.prepareStatement("DELETE FROM awaiting_witness WHERE receipt_hash = ANY (?)")) {
            s.setArray(1, c.createArrayOf("text", receipts.stream().map(RatedReceipt::hash).toArray()));
            s.executeUpdate();
        }
        Set<UUID> inserted = new HashSet<>();
        receipts.forEach(r -> inserted.add(r.receipt().invocationId()));
        return inserted;
    }

    private static final String UNIQUE_VIOLATION = "23505";

    /**
     * Inserts those of {@code rows} ({@link ReceiptCopyRows}) whose id is not stored yet and returns their ids: a
     * binary {@code COPY} into a per-session temporary table, then one statement
     * ({@code INSERT ... SELECT ... ON CONFLICT (invocation_id) DO NOTHING RETURNING}) that also removes the inserted
     * receipts' waiting copies.
     */
    private static Set<UUID> insertAbsent(Connection c, byte[] rows) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TEMPORARY TABLE IF NOT EXISTS receipt_staging (
                        i uuid, l uuid, p text, c text, cpu int8, pm int8, mm int8, w int8, bi int8, bo int8, s timestamptz, e timestamptz,
                        ps text, gs text, h text, ch numeric, gb text, gt int8, gi timestamptz, ge timestamptz, gsig text, pb text, ga text,
                        gbt text)""");
            s.execute("TRUNCATE receipt_staging");
        }
        copy(c, "COPY receipt_staging FROM STDIN (FORMAT binary)", rows);
        Set<UUID> inserted = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("""
                WITH inserted AS (
                    INSERT INTO receipts (%s)
                    SELECT * FROM receipt_staging
                    ON CONFLICT (invocation_id) DO NOTHING
                    RETURNING invocation_id, receipt_hash),
                witnessed AS (
                    DELETE FROM awaiting_witness a USING inserted WHERE a.receipt_hash = inserted.receipt_hash)
                SELECT invocation_id FROM inserted""".formatted(ReceiptCopyRows.COLUMNS));
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                inserted.add(r.getObject(1, UUID.class));
            }
        }
        return inserted;
    }

    private static void copy(Connection c, String sql, byte[] rows) throws SQLException {
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new ByteArrayInputStream(rows));
        } catch (IOException e) {
            throw new SQLException("could not stream the receipts to PostgreSQL", e);
        }
    }

    /**
     * What is stored of a rated receipt's identity: its hash, its gateway counter-signature (null if none) and the
     * root of the gateway's witness batch (null if none).
     */
    public record StoredSignatures(String hash, String gatewaySignature, String gatewayBatch) {

        /** Whether it was rated before witnesses were required (neither a counter-signature nor a witness batch). */
        public boolean unwitnessed() {
            return gatewaySignature == null && gatewayBatch == null;
        }
    }

    /** The stored hash and counter-signature of those of {@code ids} already rated. */
    public Map<UUID, StoredSignatures> storedSignatures(Connection c, Collection<UUID> ids) throws SQLException {
        Map<UUID, StoredSignatures> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement(
                "SELECT invocation_id, receipt_hash, gateway_signature, gateway_batch FROM receipts WHERE invocation_id = ANY (?)")) {
            s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.put(r.getObject(1, UUID.class), new StoredSignatures(r.getString(2), r.getString(3), r.getString(4)));
                }
            }
        }
        return found;
    }

    /** Records gateway counter-signatures that arrived after their receipt was rated (the first one is kept). */
    public void recordCounterSignatures(Connection c, Map<UUID, String> signatures) throws SQLException {
        if (signatures.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE receipts SET gateway_signature = t.gs
                FROM unnest(?::uuid[], ?::text[]) AS t(i, gs)
                WHERE invocation_id = t.i AND gateway_signature IS NULL""")) {
            s.setArray(1, c.createArrayOf("uuid", signatures.keySet().toArray()));
            s.setArray(2, c.createArrayOf("text", signatures.values().toArray()));
            s.executeUpdate();
        }
    }

    /** Adds newly rated receipts to the running totals per (consumer, provider, lease) and per pair. */
    public void addToTotals(Connection c, List<RatedReceipt> rated) throws SQLException {
        if (rated.isEmpty()) {
            return;
        }
        // sorted keys: concurrent batches lock total rows in the same order (no deadlocks)
        Map<String, long[]> counts = new TreeMap<>();
        Map<String, BigInteger> leaseCharges = new TreeMap<>();
        Map<String, BigInteger> pairCharges = new TreeMap<>();
        for (RatedReceipt r : rated) {
            String pair = r.receipt().consumer().value() + "|" + r.receipt().provider().value();
            String key = pair + "|" + r.receipt().leaseId();
            counts.computeIfAbsent(key, k -> new long[1])[0]++;
            leaseCharges.merge(key, r.charge(), BigInteger::add);
            pairCharges.merge(pair, r.charge(), BigInteger::add);
        }
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO usage_totals (consumer_address, provider_address, lease_id, receipts, charged)
                SELECT * FROM unnest(?::text[], ?::text[], ?::uuid[], ?::int8[], ?::numeric[])
                ON CONFLICT (consumer_address, provider_address, lease_id) DO UPDATE SET
                    receipts = usage_totals.receipts + EXCLUDED.receipts,
                    charged = usage_totals.charged + EXCLUDED.charged""")) {
            List<String[]> keys = leaseCharges.keySet().stream().map(k -> k.split("\\|")).toList();
            s.setArray(1, c.createArrayOf("text", keys.stream().map(k -> k[0]).toArray()));
            s.setArray(2, c.createArrayOf("text", keys.stream().map(k -> k[1]).toArray()));
            s.setArray(3, c.createArrayOf("uuid", keys.stream().map(k -> UUID.fromString(k[2])).toArray()));
            s.setArray(4, c.createArrayOf("int8", counts.values().stream().map(v -> v[0]).toArray()));
            s.setArray(5, c.createArrayOf("numeric", leaseCharges.values().stream().map(BigDecimal::new).toArray()));
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO pairs (consumer_address, provider_address, rated)
                SELECT * FROM unnest(?::text[], ?::text[], ?::numeric[])
                ON CONFLICT (consumer_address, provider_address) DO UPDATE SET rated = pairs.rated + EXCLUDED.rated""")) {
            List<String[]> keys = pairCharges.keySet().stream().map(k -> k.split("\\|")).toList();
            s.setArray(1, c.createArrayOf("text", keys.stream().map(k -> k[0]).toArray()));
            s.setArray(2, c.createArrayOf("text", keys.stream().map(k -> k[1]).toArray()));
            s.setArray(3, c.createArrayOf("numeric", pairCharges.values().stream().map(BigDecimal::new).toArray()));
            s.executeUpdate();
        }
    }

    /**
     * A stored receipt with what billing did with it, and the batches that attested it (null when it carries the
     * signature itself): its provider's batch root, the witnessing gateway and its batch root.
     */
    public record StoredReceipt(UsageReceipt receipt, String hash, BigInteger charge, Integer voucherSeq,
            String providerBatch, Address witnessGateway, String witnessBatch) {
    }

    /** The receipt of {@code invocationId}, if rated. */
    public java.util.Optional<StoredReceipt> find(Connection c, UUID invocationId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                SELECT invocation_id, lease_id, provider_address, consumer_address, cpu_nanos, peak_memory_bytes,
                       memory_mib_millis, wall_millis, bytes_in, bytes_out, started_at, ended_at, provider_signature,
                       gateway_signature, receipt_hash, charge, voucher_seq, grant_bundle, grant_timeout_millis,
                       grant_issued_at, grant_expires_at, grant_signature, provider_batch, gateway_address, gateway_batch
                FROM receipts WHERE invocation_id = ?""")) {
            s.setObject(1, invocationId);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return java.util.Optional.empty();
                }
                UUID id = r.getObject(1, UUID.class);
                UUID leaseId = r.getObject(2, UUID.class);
                Address provider = new Address(r.getString(3));
                Address consumer = new Address(r.getString(4));
                // a rated receipt's grant names the receipt's own invocation, lease, provider and consumer
                InvocationGrant grant = r.getString(18) == null ? null : new InvocationGrant(id, leaseId, provider, consumer,
                        r.getString(18), r.getLong(19), r.getTimestamp(20).toInstant(), r.getTimestamp(21).toInstant(),
                        r.getString(22));
                UsageReceipt receipt = new UsageReceipt(id, leaseId, provider, consumer,
                        r.getLong(5), r.getLong(6), r.getLong(7), r.getLong(8), r.getLong(9), r.getLong(10),
                        r.getTimestamp(11).toInstant(), r.getTimestamp(12).toInstant(), grant, r.getString(13), r.getString(14));
                String hash = r.getString(15);
                BigInteger charge = r.getBigDecimal(16).toBigIntegerExact();
                int seq = r.getInt(17);
                Integer voucherSeq = r.wasNull() ? null : seq;
                return java.util.Optional.of(new StoredReceipt(receipt, hash, charge, voucherSeq, r.getString(23),
                        r.getString(24) == null ? null : new Address(r.getString(24)), r.getString(25)));
            }
        }
    }

    /**
     * The leaves of voucher {@code seq}'s tree: the hashes of the pair's receipts it covers (voucher_seq <= seq) and the
     * credit leaves of the upheld disputes it deducts (credit_seq <= seq, protocol's {@code DisputeCredit}).
     */
    public List<byte[]> leavesUpTo(Connection c, String consumer, String provider, int seq) throws SQLException {
        List<byte[]> leaves = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT receipt_hash FROM receipts
                WHERE consumer_address = ? AND provider_address = ? AND voucher_seq <= ?
                UNION ALL
                SELECT credit_leaf FROM disputes
                WHERE consumer_address = ? AND provider_address = ? AND state = 'UPHELD' AND credit_seq <= ?""")) {
            s.setString(1, consumer);
            s.setString(2, provider);
            s.setInt(3, seq);
            s.setString(4, consumer);
            s.setString(5, provider);
            s.setInt(6, seq);
            s.setFetchSize(10_000);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    leaves.add(org.web3j.utils.Numeric.hexStringToByteArray(r.getString(1)));
                }
            }
        }
        return leaves;
    }

    /** The hashes of a lease's receipts that ended in [from, to), with their invocation ids. */
    public Map<UUID, String> leaseReceipts(Connection c, UUID leaseId, java.time.Instant from, java.time.Instant to)
            throws SQLException {
        Map<UUID, String> found = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT invocation_id, receipt_hash FROM receipts
                WHERE lease_id = ? AND ended_at >= ? AND ended_at < ?""")) {
            s.setObject(1, leaseId);
            s.setTimestamp(2, java.sql.Timestamp.from(from));
            s.setTimestamp(3, java.sql.Timestamp.from(to));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.put(r.getObject(1, UUID.class), r.getString(2));
                }
            }
        }
        return found;
    }

    /**
     * The hashes of a lease's rated receipts that ended in [from, to) and lie in [firstHash, lastHash] (0x hex,
     * compared bytewise: the part of the lease's day an anti-entropy query is about).
     */
    public List<String> leaseHashes(Connection c, UUID leaseId, java.time.Instant from, java.time.Instant to,
            String firstHash, String lastHash) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT receipt_hash FROM receipts
                WHERE lease_id = ? AND ended_at >= ? AND ended_at < ?
                  AND receipt_hash COLLATE "C" BETWEEN ? AND ?""")) {
            s.setObject(1, leaseId);
            s.setTimestamp(2, java.sql.Timestamp.from(from));
            s.setTimestamp(3, java.sql.Timestamp.from(to));
            s.setString(4, firstHash);
            s.setString(5, lastHash);
            s.setFetchSize(10_000);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.add(r.getString(1));
                }
            }
        }
        return found;
    }
}
