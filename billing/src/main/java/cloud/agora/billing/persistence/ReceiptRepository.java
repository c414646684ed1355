package cloud.agora.billing.persistence;

import cloud.agora.billing.domain.RatedReceipt;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.UsageReceipt;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
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
     * Inserts the receipts not already present, in one statement, and returns the ids actually inserted. The same
     * statement removes the copies of the inserted receipts that were waiting for their witness
     * ({@code awaiting_witness}, by receipt hash): no extra round trip.
     */
    public Set<UUID> insertNew(Connection c, List<RatedReceipt> receipts) throws SQLException {
        Set<UUID> inserted = new HashSet<>();
        if (receipts.isEmpty()) {
            return inserted;
        }
        int n = receipts.size();
        UUID[] ids = new UUID[n];
        UUID[] leases = new UUID[n];
        String[] providers = new String[n];
        String[] consumers = new String[n];
        Long[][] figures = new Long[8][n];
        String[] providerSignatures = new String[n];
        String[] gatewaySignatures = new String[n];
        String[] hashes = new String[n];
        BigDecimal[] charges = new BigDecimal[n];
        String[] bundles = new String[n];
        Long[][] grantFigures = new Long[3][n];
        String[] grantSignatures = new String[n];
        String[] providerBatches = new String[n];
        String[] witnessGateways = new String[n];
        String[] witnessBatches = new String[n];
        for (int i = 0; i < n; i++) {
            RatedReceipt rated = receipts.get(i);
            UsageReceipt r = rated.receipt();
            ids[i] = r.invocationId();
            leases[i] = r.leaseId();
            providers[i] = r.provider().value();
            consumers[i] = r.consumer().value();
            figures[0][i] = r.cpuNanos();
            figures[1][i] = r.peakMemoryBytes();
            figures[2][i] = r.memoryMibMillis();
            figures[3][i] = r.wallMillis();
            figures[4][i] = r.bytesIn();
            figures[5][i] = r.bytesOut();
            figures[6][i] = r.startedAt().toEpochMilli();
            figures[7][i] = r.endedAt().toEpochMilli();
            providerSignatures[i] = r.providerSignature();
            gatewaySignatures[i] = r.gatewaySignature();
            hashes[i] = rated.hash();
            charges[i] = new BigDecimal(rated.charge());
            if (r.grant() != null) {
                bundles[i] = r.grant().bundle();
                grantFigures[0][i] = r.grant().timeoutMillis();
                grantFigures[1][i] = r.grant().issuedAt().toEpochMilli();
                grantFigures[2][i] = r.grant().expiresAt().toEpochMilli();
                grantSignatures[i] = r.grant().signature();
            }
            providerBatches[i] = rated.providerBatch();
            if (rated.witness() != null) {
                witnessGateways[i] = rated.witness().gateway().value();
                witnessBatches[i] = rated.witness().root();
            }
        }
        try (PreparedStatement s = c.prepareStatement("""
                WITH inserted AS (
                    INSERT INTO receipts (invocation_id, lease_id, provider_address, consumer_address, cpu_nanos,
                        peak_memory_bytes, memory_mib_millis, wall_millis, bytes_in, bytes_out, started_at, ended_at,
                        provider_signature, gateway_signature, receipt_hash, charge, grant_bundle, grant_timeout_millis,
                        grant_issued_at, grant_expires_at, grant_signature, provider_batch, gateway_address, gateway_batch)
                    SELECT i, l, p, c, cpu, pm, mm, w, bi, bo,
                           timestamptz 'epoch' + s * interval '1 millisecond',
                           timestamptz 'epoch' + e * interval '1 millisecond', ps, gs, h, ch, gb, gt,
                           timestamptz 'epoch' + gi * interval '1 millisecond',
                           timestamptz 'epoch' + ge * interval '1 millisecond', gsig, pb, ga, gbt
                    FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::int8[], ?::int8[], ?::int8[], ?::int8[],
                                ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::text[], ?::text[], ?::text[], ?::numeric[],
                                ?::text[], ?::int8[], ?::int8[], ?::int8[], ?::text[], ?::text[], ?::text[], ?::text[])
                         AS t(i, l, p, c, cpu, pm, mm, w, bi, bo, s, e, ps, gs, h, ch, gb, gt, gi, ge, gsig, pb, ga, gbt)
                    ON CONFLICT (invocation_id) DO NOTHING
                    RETURNING invocation_id, receipt_hash),
                witnessed AS (
                    DELETE FROM awaiting_witness a USING inserted WHERE a.receipt_hash = inserted.receipt_hash)
                SELECT invocation_id FROM inserted""")) {
            int k = 1;
            s.setArray(k++, c.createArrayOf("uuid", ids));
            s.setArray(k++, c.createArrayOf("uuid", leases));
            s.setArray(k++, c.createArrayOf("text", providers));
            s.setArray(k++, c.createArrayOf("text", consumers));
            for (Long[] figure : figures) {
                s.setArray(k++, c.createArrayOf("int8", figure));
            }
            s.setArray(k++, c.createArrayOf("text", providerSignatures));
            s.setArray(k++, c.createArrayOf("text", gatewaySignatures));
            s.setArray(k++, c.createArrayOf("text", hashes));
            s.setArray(k++, c.createArrayOf("numeric", charges));
            s.setArray(k++, c.createArrayOf("text", bundles));
            for (Long[] figure : grantFigures) {
                s.setArray(k++, c.createArrayOf("int8", figure));
            }
            s.setArray(k++, c.createArrayOf("text", grantSignatures));
            s.setArray(k++, c.createArrayOf("text", providerBatches));
            s.setArray(k++, c.createArrayOf("text", witnessGateways));
            s.setArray(k, c.createArrayOf("text", witnessBatches));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    inserted.add(r.getObject(1, UUID.class));
                }
            }
        }
        return inserted;
    }

    /** The stored receipt hash of those of {@code ids} already rated. */
    public Map<UUID, String> storedHashes(Connection c, Collection<UUID> ids) throws SQLException {
        Map<UUID, String> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement(
                "SELECT invocation_id, receipt_hash FROM receipts WHERE invocation_id = ANY (?)")) {
            s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.put(r.getObject(1, UUID.class), r.getString(2));
                }
            }
        }
        return found;
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

    /** The hashes of the pair's receipts covered by voucher {@code seq} (those with voucher_seq <= seq). */
    public List<byte[]> leavesUpTo(Connection c, String consumer, String provider, int seq) throws SQLException {
        List<byte[]> leaves = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT receipt_hash FROM receipts
                WHERE consumer_address = ? AND provider_address = ? AND voucher_seq <= ?""")) {
            s.setString(1, consumer);
            s.setString(2, provider);
            s.setInt(3, seq);
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
}
