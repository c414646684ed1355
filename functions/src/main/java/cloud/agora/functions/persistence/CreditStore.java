package cloud.agora.functions.persistence;

import cloud.agora.functions.domain.invocation.CreditClaim;
import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Billing's credit decisions per developer, the newest by event time kept (replays change nothing), and the claims
 * gateway instances make on the spendable credit they carry ({@code SpendingBudget}).
 */
@ApplicationScoped
public class CreditStore {

    private final Transactions tx;

    public CreditStore(Transactions tx) {
        this.tx = tx;
    }

    /**
     * Records a decision (or a review) unless a newer one is already recorded; {@code spendable} is billing's figure
     * with it (null when the decision carried none).
     */
    public void decide(String address, boolean paused, Instant at, String eventId, BigInteger spendable) {
        tx.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO developer_credit (address, paused, decided_at, event_id,"
                    + " spendable) VALUES (?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET paused = excluded.paused,"
                    + " decided_at = excluded.decided_at, event_id = excluded.event_id, spendable = excluded.spendable"
                    + " WHERE developer_credit.decided_at <= excluded.decided_at")) {
                s.setString(1, address);
                s.setBoolean(2, paused);
                s.setTimestamp(3, Timestamp.from(at));
                s.setString(4, eventId);
                s.setBigDecimal(5, spendable == null ? null : new BigDecimal(spendable));
                s.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Claims a share of {@code address}'s spendable credit for one gateway instance, in one transaction that locks the
     * developer's row (so that instances claim one after another): what is left is billing's newest spendable figure
     * less every claim usable at or after {@code ratingLag} before that figure's time; the claim takes
     * {@code max(need, spendable / shares)}, at most what is left, and is refused when that is less than {@code need}.
     */
    public CreditClaim claim(String address, BigInteger need, int shares, Instant now, Instant usableUntil,
            Duration ratingLag) {
        return tx.inTransaction(c -> {
            BigInteger spendable;
            Instant decidedAt;
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT spendable, decided_at FROM developer_credit WHERE address = ? FOR UPDATE")) {
                s.setString(1, address);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next() || r.getBigDecimal(1) == null) {
                        return new CreditClaim(0, BigInteger.ZERO, null, BigInteger.ZERO);
                    }
                    spendable = r.getBigDecimal(1).toBigIntegerExact();
                    decidedAt = r.getTimestamp(2).toInstant();
                }
            }
            Timestamp counted = Timestamp.from(decidedAt.minus(ratingLag));
            try (PreparedStatement s = c.prepareStatement(
                    "DELETE FROM spending_claims WHERE address = ? AND usable_until < ?")) {
                s.setString(1, address);
                s.setTimestamp(2, counted);
                s.executeUpdate();
            }
            BigInteger held;
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT coalesce(sum(amount), 0) FROM spending_claims WHERE address = ?")) {
                s.setString(1, address);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    held = r.getBigDecimal(1).toBigIntegerExact();
                }
            }
            BigInteger left = spendable.subtract(held);
            BigInteger amount = need.max(spendable.divide(BigInteger.valueOf(shares))).min(left);
            if (amount.compareTo(need) < 0 || amount.signum() <= 0) {
                return new CreditClaim(0, BigInteger.ZERO, spendable, held);
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO spending_claims (address, amount, claimed_at,"
                    + " usable_until) VALUES (?, ?, ?, ?) RETURNING id")) {
                s.setString(1, address);
                s.setBigDecimal(2, new BigDecimal(amount));
                s.setTimestamp(3, Timestamp.from(now));
                s.setTimestamp(4, Timestamp.from(usableUntil));
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return new CreditClaim(r.getLong(1), amount, spendable, held);
                }
            }
        });
    }

    /**
     * Gives back what a claim did not grant: it then holds {@code used}, and is no longer usable after
     * {@code retiredAt}.
     */
    public void retire(long claimId, BigInteger used, Instant retiredAt) {
        tx.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE spending_claims SET amount = least(amount, ?),"
                    + " usable_until = least(usable_until, ?) WHERE id = ?")) {
                s.setBigDecimal(1, new BigDecimal(used));
                s.setTimestamp(2, Timestamp.from(retiredAt));
                s.setLong(3, claimId);
                s.executeUpdate();
            }
            return null;
        });
    }

    /** The developers (lower-case addresses) whose calls are paused. */
    public Set<String> paused() {
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT address FROM developer_credit WHERE paused");
                    ResultSet r = s.executeQuery()) {
                Set<String> out = new HashSet<>();
                while (r.next()) {
                    out.add(r.getString(1));
                }
                return out;
            }
        });
    }
}
