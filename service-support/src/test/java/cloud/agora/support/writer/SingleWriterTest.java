package cloud.agora.support.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.testsupport.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two contenders for one writer role on a real PostgreSQL: the lock gives the role to one, a killed lock session
 * hands it to the other, and the fence keeps a stale writer from committing. Each contender's {@code check()} is
 * called here as the scheduler calls it in a service.
 */
class SingleWriterTest {

    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    PostgresServer.Database db;
    final List<SingleWriter> contenders = new CopyOnWriteArrayList<>();
    final List<Object> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void database() throws SQLException {
        db = PostgresServer.newDatabase();
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE writer_fence (name text PRIMARY KEY, epoch bigint NOT NULL, holder text, acquired_at timestamptz)");
            s.execute("CREATE TABLE ledger (id int PRIMARY KEY, written_under bigint NOT NULL)");
        }
    }

    @AfterEach
    void release() {
        contenders.forEach(SingleWriter::release);
    }

    SingleWriter contender(String role, SingleWriter.LockConnections connections) {
        SingleWriter writer = new SingleWriter(true, role, connections, TIMEOUT, Duration.ofSeconds(5), events::add, events::add);
        contenders.add(writer);
        return writer;
    }

    SingleWriter contender(String role) {
        return contender(role, this::lockConnection);
    }

    Connection lockConnection() throws SQLException {
        return SingleWriter.connect(db.jdbcUrl(), Optional.of(db.user()), Optional.of(db.password()), TIMEOUT);
    }

    Connection admin() throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    /** Ends the session holding the advisory lock, as a PostgreSQL restart or a cut connection does. */
    void killLockSession() throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement();
             ResultSet killed = s.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                     + " AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
            assertThat(killed.next()).as("a session held the lock").isTrue();
            assertThat(killed.getBoolean(1)).isTrue();
        }
    }

    /** Calls {@code step} until {@code done} holds, as the scheduler would; fails after a generous deadline. */
    static void checkUntil(String what, Runnable step, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            step.run();
            if (done.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + DEADLINE + ": " + what);
            }
            Thread.sleep(50); // the polling period of the check, not a proof of anything
        }
    }

    /** A write of the service: one row, fenced by {@code writer} in its own transaction. */
    void fencedWrite(SingleWriter writer, int id) throws SQLException {
        try (Connection c = admin()) {
            c.setAutoCommit(false);
            try {
                writer.fence(c);
                insert(c, id, writer.epoch());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    static void insert(Connection c, int id, long epoch) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO ledger (id, written_under) VALUES (?, ?)")) {
            insert.setInt(1, id);
            insert.setLong(2, epoch);
            insert.executeUpdate();
        }
    }

    long ledgerRows() throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement(); ResultSet n = s.executeQuery("SELECT count(*) FROM ledger")) {
            n.next();
            return n.getLong(1);
        }
    }

    @Test
    void ofTwoContendersExactlyOneIsTheWriter() throws SQLException {
        SingleWriter a = contender("market");
        SingleWriter b = contender("market");
        a.check();
        b.check();
        b.check();

        assertThat(a.isWriter()).isTrue();
        assertThat(a.epoch()).isEqualTo(1);
        assertThat(b.isWriter()).isFalse();
        assertThat(b.standing()).contains("another instance is the writer");
        assertThatThrownBy(b::requireWriter).isInstanceOf(NotTheWriterException.class);
        assertThatThrownBy(() -> fencedWrite(b, 1)).isInstanceOf(NotTheWriterException.class);
        fencedWrite(a, 2);
        assertThat(ledgerRows()).isEqualTo(1);
        assertThat(events).containsExactly(new WriterAcquired("market", 1));

        // another role is another lock: its own writer, whatever this one does
        SingleWriter other = contender("governance");
        other.check();
        assertThat(other.isWriter()).isTrue();
    }

    @Test
    void theStandbyBecomesTheWriterOnceTheWritersLockSessionIsKilled() throws Exception {
        SingleWriter a = contender("market");
        SingleWriter b = contender("market");
        a.check();
        b.check();
        assertThat(b.isWriter()).isFalse();

        killLockSession();
        checkUntil("the standby takes the role", b::check, b::isWriter);

        assertThat(b.epoch()).isEqualTo(2);
        a.check();
        assertThat(a.isWriter()).as("the first writer noticed its lost session").isFalse();
        assertThat(a.standing()).isNotBlank();
        assertThat(events).contains(new WriterAcquired("market", 1), new WriterAcquired("market", 2));
        assertThat(events).anyMatch(e -> e instanceof WriterLost lost && lost.epoch() == 1);
        a.check();
        assertThat(a.isWriter()).as("and stays a standby while the other holds the lock").isFalse();
    }

    @Test
    void aStaleWriterThatLostItsLockCannotCommitAFencedWrite() throws Exception {
        SingleWriter a = contender("market");
        SingleWriter b = contender("market");
        a.check();
        fencedWrite(a, 1);

        killLockSession();
        checkUntil("the standby takes the role", b::check, b::isWriter);
        assertThat(a.isWriter()).as("a has not checked since: it still believes it is the writer").isTrue();

        assertThatThrownBy(() -> fencedWrite(a, 2)).isInstanceOf(NotTheWriterException.class)
                .hasMessageContaining("another instance is the writer");
        assertThat(ledgerRows()).as("the stale writer's row is not committed").isEqualTo(1);
        fencedWrite(b, 3);
        assertThat(ledgerRows()).isEqualTo(2);
    }

    @Test
    void theTakeoverWaitsForTheStaleWritersTransactionInFlightAndSeesItsWrite() throws Exception {
        SingleWriter a = contender("market");
        List<Long> rowsSeenOnTakeover = new CopyOnWriteArrayList<>();
        SingleWriter b = new SingleWriter(true, "market", this::lockConnection, TIMEOUT, Duration.ofSeconds(5), acquired -> {
            try {
                rowsSeenOnTakeover.add(ledgerRows()); // what a service loads into memory when it becomes the writer
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, lost -> { });
        contenders.add(b);
        a.check();
        try (Connection inFlight = admin()) {
            inFlight.setAutoCommit(false);
            a.fence(inFlight); // a's write transaction has passed the fence and is still open

            killLockSession();
            CompletableFuture<Void> takeover = CompletableFuture.runAsync(() -> {
                try {
                    checkUntil("the standby takes the role", b::check, b::isWriter);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitBlockedOnTheFence();
            insert(inFlight, 1, a.epoch());
            inFlight.commit();
            takeover.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }
        assertThat(b.epoch()).isEqualTo(2);
        assertThat(rowsSeenOnTakeover).as("the new writer loaded its state after the old epoch's last commit")
                .containsExactly(1L);
    }

    /** Waits until a session waits for a lock on the fence row (the new writer's epoch increment). */
    void awaitBlockedOnTheFence() throws Exception {
        checkUntil("the takeover waits for the transaction in flight", () -> { }, () -> {
            try (Connection c = admin(); Statement s = c.createStatement();
                 ResultSet waiting = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                         + " AND query LIKE 'INSERT INTO writer_fence%' AND datname = current_database()")) {
                waiting.next();
                return waiting.getLong(1) > 0;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void theOnlyInstanceTakesTheRoleBackOnceTheDatabaseIsReachableAgain() throws Exception {
        AtomicInteger refusals = new AtomicInteger();
        SingleWriter a = contender("market", () -> {
            if (refusals.get() > 0) {
                refusals.decrementAndGet();
                throw new SQLException("Connection refused", "08001"); // PostgreSQL still restarting
            }
            return lockConnection();
        });
        a.check();
        assertThat(a.epoch()).isEqualTo(1);

        refusals.set(3);
        killLockSession();
        a.check();
        assertThat(a.isWriter()).as("the dead session is noticed at the next check").isFalse();
        assertThat(a.standing()).contains("Connection refused");
        assertThatThrownBy(() -> fencedWrite(a, 1)).isInstanceOf(NotTheWriterException.class);

        checkUntil("the role is taken back", a::check, a::isWriter);
        assertThat(refusals.get()).isZero();
        assertThat(a.epoch()).isEqualTo(2);
        fencedWrite(a, 2);
        assertThat(ledgerRows()).isEqualTo(1);
        assertThat(events).containsSubsequence(new WriterAcquired("market", 1), new WriterAcquired("market", 2));
    }

    @Test
    void aWriterWhoseStateCannotBeLoadedGivesTheRoleBack() throws Exception {
        AtomicInteger failures = new AtomicInteger(1);
        SingleWriter a = new SingleWriter(true, "market", this::lockConnection, TIMEOUT, Duration.ofSeconds(5), acquired -> {
            if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("the book could not be loaded");
            }
        }, events::add);
        contenders.add(a);
        SingleWriter b = contender("market");

        a.check();
        assertThat(a.isWriter()).isFalse();
        assertThat(a.standing()).contains("the book could not be loaded");
        b.check();
        assertThat(b.isWriter()).as("the lock was given back with the failed load").isTrue();
        assertThat(b.epoch()).isEqualTo(2);
    }

    @Test
    void disabledEveryInstanceIsTheWriterAndTheFenceChecksNothing() throws SQLException {
        SingleWriter off = new SingleWriter(false, "market", () -> {
            throw new SQLException("never asked");
        }, TIMEOUT, Duration.ofSeconds(5), events::add, events::add);
        off.check();
        assertThat(off.isWriter()).isTrue();
        fencedWrite(off, 1);
        assertThat(ledgerRows()).isEqualTo(1);
    }
}
