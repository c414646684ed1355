package cloud.agora.billing.persistence;

import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The (developer, provider) pairs' figures and the vouchers billing signed for them. */
@ApplicationScoped
public class VoucherRepository {

    /**
     * A pair's figures, in wei: {@code credited} is the sum of its upheld disputes' credits, so it owes
     * {@link #payable()} = rated − credited.
     */
    public record PairState(Address consumer, Address provider, BigInteger rated, BigInteger vouchered, int voucherSeq,
            BigInteger redeemed, BigInteger credited) {

        /** What the pair's receipts charge less its credits: what its vouchers pay in all. */
        public BigInteger payable() {
            return rated.subtract(credited);
        }

        public BigInteger unpaid() {
            return payable().subtract(redeemed).max(BigInteger.ZERO);
        }
    }

    /** A voucher billing signed. */
    public record StoredVoucher(long sequence, SignedVoucher signed, long receipts, Instant issuedAt, boolean redeemed) {
    }

    /** Pairs with unvouchered charges of at least {@code threshold} wei, or waiting since before {@code cutoff}. */
    public List<PairState> due(Connection c, BigInteger threshold, Instant cutoff) throws SQLException {
        return pairs(c, """
                SELECT consumer_address, provider_address, rated, vouchered, voucher_seq, redeemed, credited FROM pairs
                WHERE rated - credited > vouchered
                  AND (rated - credited - vouchered >= ? OR COALESCE(last_voucher_at, created_at) < ?)
                ORDER BY consumer_address, provider_address""", s -> {
            s.setBigDecimal(1, new BigDecimal(threshold));
            s.setTimestamp(2, Timestamp.from(cutoff));
        });
    }

    /** Every pair a consumer pays (as consumer) or a provider is paid by (as provider). */
    public List<PairState> pairsOf(Connection c, Address account, boolean asConsumer) throws SQLException {
        String column = asConsumer ? "consumer_address" : "provider_address";
        return pairs(c, "SELECT consumer_address, provider_address, rated, vouchered, voucher_seq, redeemed, credited FROM pairs WHERE "
                + column + " = ? ORDER BY consumer_address, provider_address", s -> s.setString(1, account.value()));
    }

    /** Every consumer billing rated something for or who holds an open lease: the developers credit control reviews. */
    public List<Address> consumers(Connection c) throws SQLException {
        List<Address> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT consumer_address FROM pairs UNION SELECT owner_address FROM leases WHERE closed_at IS NULL""");
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                out.add(new Address(r.getString(1)));
            }
        }
        return out;
    }

    /** The pair's row, locked for the caller's transaction. */
    public Optional<PairState> lock(Connection c, Address consumer, Address provider) throws SQLException {
        List<PairState> found = pairs(c, """
                SELECT consumer_address, provider_address, rated, vouchered, voucher_seq, redeemed, credited FROM pairs
                WHERE consumer_address = ? AND provider_address = ? FOR UPDATE""", s -> {
            s.setString(1, consumer.value());
            s.setString(2, provider.value());
        });
        return found.stream().findFirst();
    }

    /** Gives the pair's unvouchered receipts the voucher sequence {@code seq}; returns their count and charges. */
    public BigInteger[] assign(Connection c, Address consumer, Address provider, int seq) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                WITH assigned AS (
                    UPDATE receipts SET voucher_seq = ?
                    WHERE consumer_address = ? AND provider_address = ? AND voucher_seq IS NULL
                    RETURNING charge)
                SELECT count(*), COALESCE(sum(charge), 0) FROM assigned""")) {
            s.setInt(1, seq);
            s.setString(2, consumer.value());
            s.setString(3, provider.value());
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return new BigInteger[] {BigInteger.valueOf(r.getLong(1)), r.getBigDecimal(2).toBigIntegerExact()};
            }
        }
    }

    /**
     * Gives the pair's upheld disputes whose credit no voucher deducted yet the voucher sequence {@code seq}; returns
     * their credits' sum.
     */
    public BigInteger assignCredits(Connection c, Address consumer, Address provider, int seq) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                WITH assigned AS (
                    UPDATE disputes SET credit_seq = ?
                    WHERE consumer_address = ? AND provider_address = ? AND state = 'UPHELD' AND credit_seq IS NULL
                    RETURNING charge)
                SELECT COALESCE(sum(charge), 0) FROM assigned""")) {
            s.setInt(1, seq);
            s.setString(2, consumer.value());
            s.setString(3, provider.value());
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getBigDecimal(1).toBigIntegerExact();
            }
        }
    }

    /** Records a signed voucher and moves the pair's vouchered figure to it. */
    public void save(Connection c, long seq, SignedVoucher signed, Address signer, long receipts, Instant issuedAt)
            throws SQLException {
        Voucher v = signed.voucher();
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO vouchers (consumer_address, provider_address, seq, cumulative_amount, receipts_root, receipt_count,
                                      signer_address, signature, issued_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            s.setString(1, v.consumer().value());
            s.setString(2, v.provider().value());
            s.setLong(3, seq);
            s.setBigDecimal(4, new BigDecimal(v.cumulativeAmount().value()));
            s.setString(5, v.receiptsRoot().hex());
            s.setLong(6, receipts);
            s.setString(7, signer.value());
            s.setString(8, signed.signature());
            s.setTimestamp(9, Timestamp.from(issuedAt));
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE pairs SET vouchered = ?, voucher_seq = ?, last_voucher_at = ?
                WHERE consumer_address = ? AND provider_address = ?""")) {
            s.setBigDecimal(1, new BigDecimal(v.cumulativeAmount().value()));
            s.setLong(2, seq);
            s.setTimestamp(3, Timestamp.from(issuedAt));
            s.setString(4, v.consumer().value());
            s.setString(5, v.provider().value());
            s.executeUpdate();
        }
    }

    /** The latest voucher of each consumer paying {@code provider} (optionally only {@code consumer}'s). */
    public List<StoredVoucher> latestFor(Connection c, Address provider, Optional<Address> consumer) throws SQLException {
        return vouchers(c, """
                SELECT DISTINCT ON (v.consumer_address) v.consumer_address, v.provider_address, v.seq, v.cumulative_amount,
                       v.receipts_root, v.receipt_count, v.signature, v.issued_at,
                       EXISTS (SELECT 1 FROM settlements s WHERE s.consumer_address = v.consumer_address
                               AND s.provider_address = v.provider_address AND s.voucher_seq = v.seq)
                FROM vouchers v WHERE v.provider_address = ? AND (?::text IS NULL OR v.consumer_address = ?)
                ORDER BY v.consumer_address, v.seq DESC""", s -> {
            s.setString(1, provider.value());
            s.setString(2, consumer.map(Address::value).orElse(null));
            s.setString(3, consumer.map(Address::value).orElse(null));
        });
    }

    /** One voucher. */
    public Optional<StoredVoucher> find(Connection c, Address consumer, Address provider, long seq) throws SQLException {
        return vouchers(c, """
                SELECT v.consumer_address, v.provider_address, v.seq, v.cumulative_amount, v.receipts_root, v.receipt_count,
                       v.signature, v.issued_at,
                       EXISTS (SELECT 1 FROM settlements s WHERE s.consumer_address = v.consumer_address
                               AND s.provider_address = v.provider_address AND s.voucher_seq = v.seq)
                FROM vouchers v WHERE v.consumer_address = ? AND v.provider_address = ? AND v.seq = ?""", s -> {
            s.setString(1, consumer.value());
            s.setString(2, provider.value());
            s.setLong(3, seq);
        }).stream().findFirst();
    }

    /** The sequence of the pair's voucher with this root (0 when billing did not sign it). */
    public int sequenceOf(Connection c, Address consumer, Address provider, String root) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT seq FROM vouchers WHERE consumer_address = ? AND provider_address = ? AND receipts_root = ?")) {
            s.setString(1, consumer.value());
            s.setString(2, provider.value());
            s.setString(3, root);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getInt(1) : 0;
            }
        }
    }

    private interface Binder {
        void bind(PreparedStatement s) throws SQLException;
    }

    private static List<PairState> pairs(Connection c, String sql, Binder binder) throws SQLException {
        List<PairState> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            binder.bind(s);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new PairState(new Address(r.getString(1)), new Address(r.getString(2)),
                            r.getBigDecimal(3).toBigIntegerExact(), r.getBigDecimal(4).toBigIntegerExact(), r.getInt(5),
                            r.getBigDecimal(6).toBigIntegerExact(), r.getBigDecimal(7).toBigIntegerExact()));
                }
            }
        }
        return out;
    }

    private static List<StoredVoucher> vouchers(Connection c, String sql, Binder binder) throws SQLException {
        List<StoredVoucher> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            binder.bind(s);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Voucher voucher = new Voucher(new Address(r.getString(1)), new Address(r.getString(2)),
                            new Wei(r.getBigDecimal(4).toBigIntegerExact()), Bytes32.parse(r.getString(5)));
                    out.add(new StoredVoucher(r.getLong(3), new SignedVoucher(voucher, r.getString(7)), r.getLong(6),
                            r.getTimestamp(8).toInstant(), r.getBoolean(9)));
                }
            }
        }
        return out;
    }
}
