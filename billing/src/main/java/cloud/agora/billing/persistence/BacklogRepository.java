package cloud.agora.billing.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** What is waiting in billing's tables, for the operators' gauges: small reads (indexes, or the small {@code pairs}). */
@ApplicationScoped
public class BacklogRepository {

    /**
     * @param awaitingWitness rows of {@code awaiting_witness}: agents' copies waiting for the gateway's witness
     * @param oldestWaiting   when the oldest of them began waiting, if any
     * @param parked          receipts parked for a lease billing does not know yet ({@code unknown-lease}, unresolved)
     * @param unvouchered     wei rated (less credits) and not yet in a voucher, over every pair
     * @param unredeemed      wei vouchered and not yet redeemed on chain, over every pair
     */
    public record Backlog(long awaitingWitness, Optional<Instant> oldestWaiting, long parked, BigInteger unvouchered,
            BigInteger unredeemed) {
    }

    /** Reads the backlog in one statement. */
    public Backlog read(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                SELECT (SELECT count(*) FROM awaiting_witness),
                       (SELECT min(arrived_at) FROM awaiting_witness),
                       (SELECT count(*) FROM quarantine WHERE reason = 'unknown-lease' AND resolved_at IS NULL),
                       (SELECT COALESCE(sum(GREATEST(rated - credited - vouchered, 0)), 0) FROM pairs),
                       (SELECT COALESCE(sum(GREATEST(vouchered - redeemed, 0)), 0) FROM pairs)""");
             ResultSet r = s.executeQuery()) {
            r.next();
            Timestamp oldest = r.getTimestamp(2);
            return new Backlog(r.getLong(1), Optional.ofNullable(oldest).map(Timestamp::toInstant), r.getLong(3),
                    r.getBigDecimal(4).toBigIntegerExact(), r.getBigDecimal(5).toBigIntegerExact());
        }
    }
}
