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
 * Each account's storage quota for uploads ({@code agora.storage.upload.quota-per-account}): the objects it uploaded
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
     */
    public record Hold(UUID id, Address owner, long bytes) {
    }

    private final Transactions transactions;
    private final StorageConfig config;
    private final Clock clock;

    public UploadQuota(Transactions transactions, StorageConfig config, Clock clock) {
        this.transactions = transactions;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Holds room for an upload by {@code owner} of {@code declared} bytes (all that is left of the quota, at most
     * {@code maxSize}, when it declares none).
     *
     * @throws QuotaExceededException when the declared length does not fit, or nothing is left
     */
    public Hold hold(Address owner, OptionalLong declared, long maxSize) {
        long quota = config.upload().quotaPerAccount();
        Instant now = clock.instant();
        return transactions.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                s.setString(1, "upload-quota:" + owner.value());
                s.execute();
            }
            long used = sum(c, "SELECT coalesce(sum(size), 0) FROM uploaded_objects WHERE owner = ?", owner, null);
            long held = sum(c, "SELECT coalesce(sum(bytes), 0) FROM upload_holds WHERE owner = ? AND created > ?", owner,
                    now.minus(HOLD_LIFE));
            long remaining = Math.max(0, quota - used - held);
            long bytes = declared.isPresent() ? declared.getAsLong() : Math.min(maxSize, remaining);
            if (bytes > remaining || remaining == 0) {
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
            return new Hold(id, owner, bytes);
        });
    }

    /** The problem of an upload that read more than {@code hold} left room for. */
    public QuotaExceededException exceeded(Hold hold) {
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
