package cloud.agora.support.writer;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Keeps one writer per service across all its instances, enforced by the database, not only by the deployment.
 *
 * <p>The writer holds a PostgreSQL <em>session</em> advisory lock ({@code pg_try_advisory_lock}, key derived from the
 * role's name) on a connection of its own, outside the pool. On taking the lock it increments the role's epoch in
 * {@code writer_fence} and remembers it; the service's write transactions call {@link #fence(Connection)}, which reads
 * the row {@code FOR SHARE} and refuses ({@link NotTheWriterException}) when the epoch is not this instance's. So an
 * instance that lost its lock without noticing yet (a cut connection, a paused process) cannot commit after another
 * took over: the new writer's increment waits for the fenced transactions in flight, and every later one sees the new
 * epoch.
 *
 * <p>Every {@code agora.single-writer.check-interval} the writer checks its lock connection with a query bounded by
 * {@code agora.single-writer.timeout}; when it fails (PostgreSQL restarted, the network cut) the instance stops being
 * the writer ({@link WriterLost}) and, like any standby, tries to take the lock again at each check. On taking it,
 * {@link WriterAcquired} observers reload what they keep in memory before {@link #isWriter()} turns true. The lock
 * session asks the server for TCP keepalives, so a holder that vanished without closing its connection releases the
 * lock on the server within about half a minute.
 *
 * <p>The fence table is each using service's Flyway migration:
 * {@code CREATE TABLE writer_fence (name text PRIMARY KEY, epoch bigint NOT NULL, holder text, acquired_at timestamptz)}.
 * Disabled ({@code agora.single-writer.enabled=false}, the default), every instance is the writer and the fence checks
 * nothing.
 */
@ApplicationScoped
public class SingleWriter {

    private static final Logger LOG = Logger.getLogger(SingleWriter.class);
    private static final String FENCE = "SELECT epoch FROM writer_fence WHERE name = ? FOR SHARE";
    private static final String ADVANCE = "INSERT INTO writer_fence (name, epoch, holder, acquired_at) VALUES (?, 1, ?, now())"
            + " ON CONFLICT (name) DO UPDATE SET epoch = writer_fence.epoch + 1, holder = EXCLUDED.holder,"
            + " acquired_at = EXCLUDED.acquired_at RETURNING epoch";

    /** Opens the lock connection: a new one each time, never one of the pool's. */
    @FunctionalInterface
    public interface LockConnections {
        Connection open() throws SQLException;
    }

    private final boolean enabled;
    private final String name;
    private final long lockKey;
    private final LockConnections connections;
    private final int timeoutSeconds;
    private final Duration retryAfter;
    private final Consumer<WriterAcquired> acquired;
    private final Consumer<WriterLost> lost;
    private final String holder;

    /** Only touched under this object's monitor ({@link #check()}, {@link #release()}). */
    private Connection lockConnection;
    private volatile long epoch;
    private volatile boolean writer;
    private volatile String standing = "not checked yet";

    @Inject
    SingleWriter(SingleWriterConfig config, @ConfigProperty(name = "quarkus.application.name") Optional<String> application,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") Optional<String> url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password,
            Event<WriterAcquired> acquired, Event<WriterLost> lost) {
        this(config.enabled(), config.name().or(() -> application).orElse("agora"),
                () -> connect(url.orElseThrow(() -> new SQLException("quarkus.datasource.jdbc.url is not set")), user, password,
                        config.timeout()),
                config.timeout(), config.retryAfter(), acquired::fire, lost::fire);
    }

    /**
     * An instance outside CDI (a second contender in tests): {@link #check()} must then be called by its owner.
     *
     * @param connections opens the lock connection; its socket timeout should be about {@code timeout}
     * @param acquired    told (on the checking thread) when this instance becomes the writer, before it reports so
     * @param lost        told when it stops being the writer
     */
    public SingleWriter(boolean enabled, String name, LockConnections connections, Duration timeout, Duration retryAfter,
            Consumer<WriterAcquired> acquired, Consumer<WriterLost> lost) {
        this.enabled = enabled;
        this.name = name;
        this.lockKey = lockKey(name);
        this.connections = connections;
        this.timeoutSeconds = (int) Math.max(1, timeout.toSeconds());
        this.retryAfter = retryAfter;
        this.acquired = acquired;
        this.lost = lost;
        this.holder = holderName();
    }

    /** The role's name (the fence row, the lock's key). */
    public String name() {
        return name;
    }

    /** Whether this instance is the writer now: it holds the lock and has loaded its state (always, when disabled). */
    public boolean isWriter() {
        return !enabled || writer;
    }

    /** Whether the role is enforced through the database. */
    public boolean enforced() {
        return enabled;
    }

    /** The fence epoch this instance writes under; 0 when it is not the writer (or the role is not enforced). */
    public long epoch() {
        return epoch;
    }

    /** Why this instance is not the writer (for health and logs); null while it is. */
    public String standing() {
        return isWriter() ? null : standing;
    }

    /** Refuses with {@link NotTheWriterException} when this instance is not the writer. */
    public void requireWriter() {
        if (!isWriter()) {
            throw notTheWriter(standing);
        }
    }

    /**
     * Checks, inside the caller's write transaction on {@code c}, that this instance is still the writer: the fence
     * row, read {@code FOR SHARE} (held until the transaction ends, so no other instance can take over before it
     * commits), must carry this instance's epoch. Does nothing when the role is not enforced.
     *
     * @throws NotTheWriterException when another instance took over or this one holds no epoch
     */
    public void fence(Connection c) throws SQLException {
        if (!enabled) {
            return;
        }
        long mine = epoch;
        if (mine == 0) {
            throw notTheWriter(standing);
        }
        try (PreparedStatement read = c.prepareStatement(FENCE)) {
            read.setString(1, name);
            try (ResultSet row = read.executeQuery()) {
                long current = row.next() ? row.getLong(1) : 0;
                if (current != mine) {
                    throw notTheWriter("another instance is the writer of " + name + " (epoch " + current
                            + "; this instance wrote under " + mine + ")");
                }
            }
        }
    }

    @Scheduled(every = "${agora.single-writer.check-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        check();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            acquired.accept(new WriterAcquired(name, 0));
            return;
        }
        check();
        if (!writer) {
            LOG.infof("single writer %s: not the writer at start (%s); trying every check", name, standing);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        release();
    }

    /**
     * One step of the role: the writer checks its lock connection (and steps down when it died or the fence moved);
     * a standby tries to take the lock. Called by the scheduler; tests and a second contender call it directly.
     */
    public synchronized void check() {
        if (!enabled) {
            return;
        }
        if (epoch != 0) {
            String trouble = trouble();
            if (trouble == null) {
                return;
            }
            stepDown(trouble);
        }
        tryAcquire();
    }

    /** Gives the role up and closes the lock connection (the lock is released with its session). */
    public synchronized void release() {
        if (epoch != 0) {
            stepDown("released");
        }
        closeLockConnection();
    }

    /** What is wrong with the writer's lock connection, or null when it still holds the role. */
    private String trouble() {
        try (PreparedStatement read = lockConnection.prepareStatement("SELECT epoch FROM writer_fence WHERE name = ?")) {
            read.setQueryTimeout(timeoutSeconds);
            read.setString(1, name);
            try (ResultSet row = read.executeQuery()) {
                long current = row.next() ? row.getLong(1) : 0;
                return current == epoch ? null : "the fence of " + name + " moved to epoch " + current;
            }
        } catch (SQLException | RuntimeException e) {
            return "the lock connection failed: " + e.getMessage();
        }
    }

    private void tryAcquire() {
        try {
            if (lockConnection == null || lockConnection.isClosed()) {
                lockConnection = connections.open();
                keepAlive(lockConnection);
            }
            boolean locked;
            try (PreparedStatement lock = lockConnection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                lock.setQueryTimeout(timeoutSeconds);
                lock.setLong(1, lockKey);
                try (ResultSet row = lock.executeQuery()) {
                    locked = row.next() && row.getBoolean(1);
                }
            }
            if (!locked) {
                standing = "another instance is the writer of " + name;
                return;
            }
            long advanced;
            try (PreparedStatement advance = lockConnection.prepareStatement(ADVANCE)) {
                // waits for the fenced transactions of an earlier writer still in flight
                advance.setQueryTimeout(timeoutSeconds);
                advance.setString(1, name);
                advance.setString(2, holder);
                try (ResultSet row = advance.executeQuery()) {
                    row.next();
                    advanced = row.getLong(1);
                }
            }
            epoch = advanced;
            acquired.accept(new WriterAcquired(name, advanced));
            writer = true;
            standing = null;
            LOG.infof("single writer %s: this instance (%s) is the writer, epoch %d", name, holder, advanced);
        } catch (SQLException | RuntimeException e) {
            String why = "cannot take the writer role of " + name + ": " + e.getMessage();
            if (epoch != 0) {
                stepDown(why);
            } else {
                standing = why;
                closeLockConnection();
            }
            LOG.debugf("single writer %s: %s", name, why);
        }
    }

    private void stepDown(String reason) {
        long held = epoch;
        boolean was = writer;
        writer = false;
        epoch = 0;
        standing = reason;
        closeLockConnection();
        if (was) {
            LOG.warnf("single writer %s: no longer the writer (epoch %d): %s", name, held, reason);
        }
        try {
            lost.accept(new WriterLost(name, held, reason));
        } catch (RuntimeException e) {
            LOG.warnf(e, "single writer %s: an observer of the lost role failed", name);
        }
    }

    private void closeLockConnection() {
        if (lockConnection != null) {
            try {
                lockConnection.close();
            } catch (SQLException | RuntimeException ignored) {
                // a dead connection: the server ends its session, and the lock with it
            }
            lockConnection = null;
        }
    }

    private NotTheWriterException notTheWriter(String why) {
        return new NotTheWriterException(name, "this instance is not the writer of " + name
                + (why == null ? "" : ": " + why) + "; nothing was changed", retryAfter);
    }

    /**
     * Asks the server to probe the lock session's peer, so that a holder whose host or network vanished releases the
     * lock within about 10 + 5 × 3 seconds instead of the operating system's two hours. Ignored on a Unix socket.
     */
    private static void keepAlive(Connection c) throws SQLException {
        try (Statement set = c.createStatement()) {
            set.execute("SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3");
        }
    }

    /** A new connection for the lock, with the timeouts that bound every check. */
    static Connection connect(String url, Optional<String> user, Optional<String> password, Duration timeout)
            throws SQLException {
        Properties props = new Properties();
        user.ifPresent(u -> props.setProperty("user", u));
        password.ifPresent(p -> props.setProperty("password", p));
        String seconds = Long.toString(Math.max(1, timeout.toSeconds()));
        props.setProperty("connectTimeout", seconds);
        props.setProperty("loginTimeout", seconds);
        // the socket timeout leaves room for a query timeout of the same length to answer first
        props.setProperty("socketTimeout", Long.toString(Math.max(1, timeout.toSeconds()) * 2));
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "agora-single-writer");
        Connection c = new org.postgresql.Driver().connect(url, props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + url);
        }
        return c;
    }

    /** The advisory lock's key: the first 8 bytes of SHA-256 over the role's name (stable across releases). */
    static long lockKey(String name) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(("agora-single-writer:" + name).getBytes(StandardCharsets.UTF_8));
            long key = 0;
            for (int i = 0; i < 8; i++) {
                key = (key << 8) | (hash[i] & 0xff);
            }
            return key;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String holderName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid();
    }
}
