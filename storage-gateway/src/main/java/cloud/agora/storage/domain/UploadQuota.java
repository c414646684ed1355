package cloud.agora.storage.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Each account's storage quota for uploads ({@code agora.storage.upload.quota-per-account}), of which only the free
 * allowance ({@code free-quota-per-account}) while billing collects nothing from it ({@link PaidStorage}; asked
 * before the lock, when an upload may pass the allowance): the objects it uploaded
 * (each counted once, at its size) plus the room held for its uploads under way never pass it. An upload holds room
 * before its first byte is read — its declared length, or all that is left when it declares none — under a lock per
 * account, so two uploads at once cannot both take the last bytes; it gives the hold back when it ends, and a stored
 * object takes its place. A hold left by a crash stops counting after {@link #HOLD_LIFE}.
 */
@ApplicationScoped
public class UploadQuota {

    /** How long a hold counts when its upload never ended (a crash). */
    static final Duration HOLD_LIFE = Duration.ofHours(1);

    /**
     * Room held for one upload.
     *
     * @param id    the hold
     * @param owner the uploading account
     * @param bytes the most the upload may store
     * @param unpaid why the upload may use only the free allowance (billing collects nothing, or could not say);
     *               null when it may use the whole quota
     */
    public record Hold(UUID id, Address owner, long bytes, String unpaid) {
    }

    private final Transactions transactions;
    private final StorageConfig config;
    private final PaidStorage paidStorage;
    private final Clock clock;

    public UploadQuota(Transactions transactions, StorageConfig config, PaidStorage paidStorage, Clock clock) {
        this.transactions = transactions;
        this.config = config;
        this.paidStorage = paidStorage;
        this.clock = clock;
    }

    /**
     * Holds room for an upload by {@code owner} of {@code declared} bytes (all that is left of the quota, at most
     * {@code maxSize}, when it declares none).
     *
     * @param bearerToken the owner's token, to ask billing whether it pays for storage
     * @throws QuotaExceededException      when the declared length does not fit, or nothing is left
     * @throws StorageNotPaidException     when it does not fit in the free allowance and billing collects nothing
     * @throws cloud.agora.support.billing.BillingUnavailableException when a declared length passes the free
     *                                     allowance and billing cannot say whether the owner pays
     */
    public Hold hold(Address owner, String bearerToken, OptionalLong declared, long maxSize) {
        long quota = config.upload().quotaPerAccount();
        long free = Math.min(quota, config.upload().freeQuotaPerAccount());
        String unpaid = null;
        if (free < quota && (declared.isEmpty() || counted(owner) + declared.getAsLong() > free)) {
            try {
                unpaid = paidStorage.unpaidReason(bearerToken, owner).orElse(null);
            } catch (cloud.agora.support.billing.BillingUnavailableException e) {
                if (declared.isPresent()) {
                    throw e;
                }
                unpaid = "billing-unavailable"; // an upload of unknown length keeps to the free allowance
            }
        }
        long limit = unpaid == null ? quota : free;
        String why = unpaid;
        Instant now = clock.instant();
        return transactions.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                s.setString(1, "upload-quota:" + owner.value());
                s.execute();
            }
            long remaining = Math.max(0, limit - counted(c, owner, now));
            long bytes = declared.isPresent() ? declared.getAsLong() : Math.min(maxSize, remaining);
            if (bytes > remaining || remaining == 0) {
                if (why != null) {
                    throw new StorageNotPaidException("an upload past the free " + free + " bytes", why);
                }
                throw new QuotaExceededException(quota, remaining);
            }
            UUID id = UUID.randomUUID();
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO upload_holds (id, owner, bytes, created) VALUES (?, ?, ?, ?)")) {
                s.setObject(1, id);
                s.setString(2, owner.value());
                s.setLong(3, bytes);
                s.setTimestamp(4, Timestamp.from(now));
                s.executeUpdate();
            }
            return new Hold(id, owner, bytes, why);
        });
    }

    /** The problem of an upload that read more than {@code hold} left room for. */
    public RuntimeException exceeded(Hold hold) {
        if (hold.unpaid() != null) {
            return new StorageNotPaidException("an upload past the free " + config.upload().freeQuotaPerAccount() + " bytes",
                    hold.unpaid());
        }
        return new QuotaExceededException(config.upload().quotaPerAccount(), hold.bytes());
    }

    /** Ends {@code hold}: its room is given back, and the stored object, if any, counts for its owner from now on. */
    public void release(Hold hold, StoredObject stored) {
        transactions.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM upload_holds WHERE id = ?")) {
                s.setObject(1, hold.id());
                s.executeUpdate();
            }
            if (stored != null) {
                try (PreparedStatement s = c.prepareStatement("""
                        INSERT INTO uploaded_objects (owner, cid, size, created) VALUES (?, ?, ?, ?)
                        ON CONFLICT (owner, cid) DO NOTHING""")) {
                    s.setString(1, hold.owner().value());
                    s.setString(2, stored.cid().toString());
                    s.setLong(3, stored.size());
                    s.setTimestamp(4, Timestamp.from(clock.instant()));
                    s.executeUpdate();
                }
            }
            return null;
        });
    }

    /** What {@code owner}'s uploads take now: stored objects and live holds. */
    private long counted(Address owner) {
        Instant now = clock.instant();
        return transactions.read(c -> counted(c, owner, now));
    }

    private static long counted(java.sql.Connection c, Address owner, Instant now) throws SQLException {
        return sum(c, "SELECT coalesce(sum(size), 0) FROM uploaded_objects WHERE owner = ?", owner, null)
                + sum(c, "SELECT coalesce(sum(bytes), 0) FROM upload_holds WHERE owner = ? AND created > ?", owner,
                        now.minus(HOLD_LIFE));
    }

    private static long sum(java.sql.Connection c, String sql, Address owner, Instant after) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, owner.value());
            if (after != null) {
                s.setTimestamp(2, Timestamp.from(after));
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }
}
