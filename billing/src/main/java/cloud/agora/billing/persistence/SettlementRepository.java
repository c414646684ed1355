package cloud.agora.billing.persistence;

import cloud.agora.billing.domain.EscrowLedger.Deposited;
import cloud.agora.billing.domain.EscrowLedger.Redeemed;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Redeems and deposits seen on chain at the confirmation depth, and how far the chain has been followed. */
@ApplicationScoped
public class SettlementRepository {

    /** The last block applied and its hash. */
    public record Cursor(long blockNumber, String blockHash) {
    }

    public Optional<Cursor> cursor(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT block_number, block_hash FROM chain_cursor WHERE id = 1");
             ResultSet r = s.executeQuery()) {
            return r.next() ? Optional.of(new Cursor(r.getLong(1), r.getString(2))) : Optional.empty();
        }
    }

    /** Moves the cursor; a negative block forgets it (following starts again from the configured start block). */
    public void moveCursor(Connection c, Cursor cursor) throws SQLException {
        if (cursor.blockNumber() < 0) {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM chain_cursor")) {
                s.executeUpdate();
            }
            return;
        }
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO chain_cursor (id, block_number, block_hash) VALUES (1, ?, ?)
                ON CONFLICT (id) DO UPDATE SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash""")) {
            s.setLong(1, cursor.blockNumber());
            s.setString(2, cursor.blockHash());
            s.executeUpdate();
        }
    }

    /** Records a redeem once (false if seen before) and raises the pair's redeemed figure to the event's. */
    public boolean addRedeem(Connection c, Redeemed e, int voucherSeq) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO settlements (transaction_hash, log_index, block_number, block_hash, consumer_address,
                    provider_address, redeemed, payment, fee, receipts_root, voucher_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
            s.setString(1, e.transactionHash());
            s.setInt(2, e.logIndex());
            s.setLong(3, e.blockNumber());
            s.setString(4, e.blockHash());
            s.setString(5, e.consumer().value());
            s.setString(6, e.provider().value());
            s.setBigDecimal(7, new BigDecimal(e.redeemed().value()));
            s.setBigDecimal(8, new BigDecimal(e.payment().value()));
            s.setBigDecimal(9, new BigDecimal(e.fee().value()));
            s.setString(10, e.receiptsRoot());
            s.setInt(11, voucherSeq);
            if (s.executeUpdate() == 0) {
                return false;
            }
        }
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO pairs (consumer_address, provider_address, redeemed) VALUES (?, ?, ?)
                ON CONFLICT (consumer_address, provider_address) DO UPDATE SET redeemed = GREATEST(pairs.redeemed, EXCLUDED.redeemed)""")) {
            s.setString(1, e.consumer().value());
            s.setString(2, e.provider().value());
            s.setBigDecimal(3, new BigDecimal(e.redeemed().value()));
            s.executeUpdate();
        }
        return true;
    }

    /** Records a deposit once (false if seen before). */
    public boolean addDeposit(Connection c, Deposited e) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO deposits (transaction_hash, log_index, block_number, block_hash, consumer_address, amount, balance)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
            s.setString(1, e.transactionHash());
            s.setInt(2, e.logIndex());
            s.setLong(3, e.blockNumber());
            s.setString(4, e.blockHash());
            s.setString(5, e.consumer().value());
            s.setBigDecimal(6, new BigDecimal(e.amount().value()));
            s.setBigDecimal(7, new BigDecimal(e.balance().value()));
            return s.executeUpdate() == 1;
        }
    }

    /** The distinct (block, hash) of the redeems and deposits recorded after {@code block}. */
    public java.util.Map<Long, java.util.Set<String>> blocksAfter(Connection c, long block) throws SQLException {
        java.util.Map<Long, java.util.Set<String>> out = new java.util.TreeMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT block_number, block_hash FROM settlements WHERE block_number > ?
                UNION SELECT block_number, block_hash FROM deposits WHERE block_number > ?""")) {
            s.setLong(1, block);
            s.setLong(2, block);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.computeIfAbsent(r.getLong(1), b -> new java.util.HashSet<>()).add(r.getString(2));
                }
            }
        }
        return out;
    }

    /**
     * Forgets the redeems and deposits recorded in block {@code block} with hash {@code staleHash} (a reorganisation
     * replaced that block) and sets the affected pairs' redeemed figure back to the highest redeem that remains.
     * Returns the forgotten redeems.
     */
    public List<Redeemed> forget(Connection c, long block, String staleHash) throws SQLException {
        List<Redeemed> removed = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                DELETE FROM settlements WHERE block_number = ? AND block_hash = ?
                RETURNING block_number, block_hash, transaction_hash, log_index, consumer_address, provider_address,
                          redeemed, payment, fee, receipts_root""")) {
            s.setLong(1, block);
            s.setString(2, staleHash);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    removed.add(new Redeemed(r.getLong(1), r.getString(2), r.getString(3), r.getInt(4),
                            new Address(r.getString(5)), new Address(r.getString(6)), wei(r, 7), wei(r, 8), wei(r, 9),
                            r.getString(10)));
                }
            }
        }
        for (Redeemed e : removed) {
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE pairs p SET redeemed = COALESCE((SELECT max(redeemed) FROM settlements s
                        WHERE s.consumer_address = p.consumer_address AND s.provider_address = p.provider_address), 0)
                    WHERE p.consumer_address = ? AND p.provider_address = ?""")) {
                s.setString(1, e.consumer().value());
                s.setString(2, e.provider().value());
                s.executeUpdate();
            }
        }
        try (PreparedStatement s = c.prepareStatement("DELETE FROM deposits WHERE block_number = ? AND block_hash = ?")) {
            s.setLong(1, block);
            s.setString(2, staleHash);
            s.executeUpdate();
        }
        return removed;
    }

    /** A confirmed redeem of a billing voucher. */
    public record SettlementRef(long voucherSeq, String transactionHash, long blockNumber) {
    }

    /** The latest confirmed redeem of the pair whose voucher covers voucher sequence {@code seq}. */
    public Optional<SettlementRef> latestCovering(Connection c, Address consumer, Address provider, int seq) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                SELECT voucher_seq, transaction_hash, block_number FROM settlements
                WHERE consumer_address = ? AND provider_address = ? AND voucher_seq >= ?
                ORDER BY voucher_seq DESC LIMIT 1""")) {
            s.setString(1, consumer.value());
            s.setString(2, provider.value());
            s.setInt(3, seq);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new SettlementRef(r.getLong(1), r.getString(2), r.getLong(3))) : Optional.empty();
            }
        }
    }

    private static Wei wei(ResultSet r, int column) throws SQLException {
        return new Wei(r.getBigDecimal(column).toBigIntegerExact());
    }
}
