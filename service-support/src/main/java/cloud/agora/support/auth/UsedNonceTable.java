package cloud.agora.support.auth;

import cloud.agora.protocol.auth.UsedNonces;
import cloud.agora.support.jdbc.StoreException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The used sign-in nonces of a service, in its PostgreSQL ({@code sign_in_nonces}, migration {@code db/outbox}
 * V0_2), shared by all its replicas: {@code INSERT ... ON CONFLICT DO NOTHING} decides first use, so of two replicas
 * exchanging the same message at once exactly one inserts the row (the other waits for its commit and inserts
 * nothing).
 *
 * <p>Each use first deletes up to {@value #PRUNE_BATCH} rows whose message expired more than {@link #KEPT_AFTER_EXPIRY}
 * ago, skipping rows another replica is deleting: the table holds about the nonces of the last challenge lifetime. The
 * margin keeps a row while a replica whose clock runs behind could still accept its message.
 */
@ApplicationScoped
public class UsedNonceTable implements UsedNonces {

    static final Duration KEPT_AFTER_EXPIRY = Duration.ofMinutes(1);
    static final int PRUNE_BATCH = 100;

    private final AgroalDataSource dataSource;
    private final Clock clock;

    public UsedNonceTable(AgroalDataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** {@inheritDoc} Two statements, each its own transaction: pruning never delays the insert's decision. */
    @Override
    public boolean firstUse(String nonce, Instant expiresAt) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            try (PreparedStatement prune = connection.prepareStatement("""
                    DELETE FROM sign_in_nonces WHERE nonce IN (
                        SELECT nonce FROM sign_in_nonces WHERE expires_at < ? LIMIT ? FOR UPDATE SKIP LOCKED)""")) {
                prune.setTimestamp(1, Timestamp.from(clock.instant().minus(KEPT_AFTER_EXPIRY)));
                prune.setInt(2, PRUNE_BATCH);
                prune.executeUpdate();
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO sign_in_nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING")) {
                insert.setString(1, nonce);
                insert.setTimestamp(2, Timestamp.from(expiresAt));
                return insert.executeUpdate() == 1;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }
}
