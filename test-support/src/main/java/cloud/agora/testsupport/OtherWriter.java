package cloud.agora.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Another instance of the service taking the writer role from the one under test, as a second instance of the service would:
 * it queues for the service's advisory lock, ends the service's lock session (what a PostgreSQL restart or a cut
 * connection does), gets the lock, and increments the writer fence. Closing it ends its session and frees the lock.
 */
public final class OtherWriter implements AutoCloseable {

    private final Connection session;

    private OtherWriter(Connection session) {
        this.session = session;
    }

    public static OtherWriter takeOver(DataSource dataSource, String role) throws Exception {
        Connection session = dataSource.getConnection();
        long key;
        int servicePid;
        try (Statement s = session.createStatement();
             ResultSet held = s.executeQuery("SELECT l.classid, l.objid, l.pid FROM pg_locks l"
                     + " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
                     + " AND a.application_name = 'agora-single-writer' AND a.datname = current_database()")) {
            if (!held.next()) {
                throw new IllegalStateException("the service does not hold its writer lock");
            }
            key = (held.getLong(1) << 32) | (held.getLong(2) & 0xffffffffL);
            servicePid = held.getInt(3);
        }
        // queued behind the service's session before it ends, so this session is the next holder
        CompletableFuture<Void> locked = CompletableFuture.runAsync(() -> {
            try (Statement s = session.createStatement()) {
                s.execute("SELECT pg_advisory_lock(" + key + ")");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        try (Connection admin = dataSource.getConnection()) {
            awaitWaiting(admin, key);
            try (Statement s = admin.createStatement()) {
                s.execute("SELECT pg_terminate_backend(" + servicePid + ")");
            }
        }
        locked.get(30, TimeUnit.SECONDS);
        try (PreparedStatement advance = session.prepareStatement(
                "UPDATE writer_fence SET epoch = epoch + 1, holder = 'another instance', acquired_at = now() WHERE name = ?")) {
            advance.setString(1, role);
            if (advance.executeUpdate() != 1) {
                throw new IllegalStateException("no writer fence row to advance");
            }
        }
        return new OtherWriter(session);
    }

    private static void awaitWaiting(Connection admin, long key) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            try (Statement s = admin.createStatement();
                 ResultSet waiting = s.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                         + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                waiting.next();
                if (waiting.getLong(1) > 0) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the other writer never queued for lock " + key);
    }

    /** A write of this other writer's epoch, done in the database behind the service's back. */
    public void execute(String sql, Object... parameters) throws SQLException {
        try (PreparedStatement s = session.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            s.executeUpdate();
        }
    }

    @Override
    public void close() throws SQLException {
        try (Statement s = session.createStatement()) {
            s.execute("SELECT pg_advisory_unlock_all()"); // the pool keeps the session: give the lock back by hand
        } finally {
            session.close();
        }
    }
}
