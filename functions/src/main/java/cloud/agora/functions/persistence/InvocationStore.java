package cloud.agora.functions.persistence;

import cloud.agora.functions.domain.history.CommitWindow;
import cloud.agora.functions.domain.history.LogLine;
import cloud.agora.functions.domain.history.LogPosition;
import cloud.agora.functions.domain.history.LogQuery;
import cloud.agora.functions.domain.history.UsageReport;
import cloud.agora.functions.domain.recording.CallRecording;
import cloud.agora.functions.domain.recording.InvocationRecord;
import cloud.agora.functions.domain.recording.InvocationRecord.ReceiptStatus;
import cloud.agora.functions.domain.recording.RecordedCall;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.outbox.Outbox;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Recorded calls, their stderr lines and (in the same transaction) the gateway's witness of their receipts in the
 * outbox, so a receipt is witnessed exactly when its call is recorded, and only once; and each recorded call as it
 * ended, for the signed witness a developer disputes a charge with.
 */
@ApplicationScoped
public class InvocationStore {

    private final Transactions tx;
    private final Outbox outbox;
    private final ReactivePostgres postgres;

    public InvocationStore(Transactions tx, Outbox outbox, ReactivePostgres postgres) {
        this.tx = tx;
        this.outbox = outbox;
        this.postgres = postgres;
    }

    /** The row of a recorded call; its parameters are set by {@link #bindCall}. */
    private static final String INSERT_CALL = "INSERT INTO invocations (id, function_id, version, provider,"
            + " lease_id, status, exit_code, cpu_nanos, memory_mib_millis, wall_millis, bytes_in, bytes_out,"
            + " charge_wei, receipt_status, receipt_problem, receipt_json, at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING";

    /**
     * Records the calls with their log lines and appends the witness of their receipts to the outbox, all or nothing.
     * A call already recorded (same id) changes nothing and is not witnessed again. One call (what a gateway that is
     * not busy records at a time) is one auto-committed statement, a single round trip to the database; several are one
     * transaction (one commit for the batch).
     *
     * @param witness the outbox events that witness the receipts with the given hashes, for {@code usage.receipts.v1};
     *                called once at most: for several calls with the hashes of those this transaction records (not
     *                when there are none), for one call before its statement (also when it turns out recorded already)
     * @return whether any event was appended (the relay can be nudged)
     */
    public boolean record(List<CallRecording> recordings, Function<List<byte[]>, List<EventEnvelope<?>>> witness) {
        if (recordings.size() == 1) {
            return recordOne(recordings.get(0), witness);
        }
        return tx.inTransaction(c -> {
            List<byte[]> witnessed = new ArrayList<>();
            for (CallRecording r : recordings) {
                if (record(c, r) && r.witnessed() != null) {
                    witnessed.add(r.witnessed());
                }
            }
            if (witnessed.isEmpty()) {
                return false;
            }
            for (EventEnvelope<?> event : witness.apply(witnessed)) {
                outbox.append(c, Topics.USAGE_RECEIPTS, event);
            }
            return true;
        });
    }

    /**
     * One call, its log lines and its witness in a single statement: the lines and the witness are inserted for the
     * call's row only, so a call recorded already adds nothing (its witness was signed for nothing). The witness is
     * signed before the statement, as the statement decides whether it is needed.
     */
    private boolean recordOne(CallRecording r, Function<List<byte[]>, List<EventEnvelope<?>>> witness) {
        List<EventEnvelope<?>> events = r.witnessed() == null ? List.of() : witness.apply(List.of(r.witnessed()));
        String sql = aloneStatement(r, events.size());
        return tx.autoCommitted(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                int next = bindCall(s, r);
                if (!r.lines().isEmpty()) {
                    s.setObject(next++, r.call().functionId());
                    s.setString(next++, r.call().provider());
                    s.setTimestamp(next++, Timestamp.from(r.call().at()));
                    s.setArray(next++, c.createArrayOf("text", r.lines().toArray()));
                }
                for (EventEnvelope<?> event : events) {
                    next = Outbox.bind(s, next, Topics.USAGE_RECEIPTS, event);
                }
                try (ResultSet rows = s.executeQuery()) {
                    rows.next();
                    return rows.getLong(1) == 1 && !events.isEmpty();
                }
            }
        });
    }

    /**
     * {@link #record Records} one call with its witness {@code events} (signed already) as one statement sent without
     * blocking: from an event loop, no thread waits for PostgreSQL and none hands the answer back. The same statement
     * as a call recorded alone by {@link #record}, auto-committed; the stage fails when the statement does, or when
     * PostgreSQL does not answer within {@link ReactivePostgres#STATEMENT_TIMEOUT} (nothing recorded then, unless the
     * commit's answer was what got lost or came late, which recording the call again finds: its insert waits for the
     * first one's and adds nothing).
     *
     * @return whether any event was appended (the relay can be nudged)
     */
    public CompletionStage<Boolean> recordAlone(CallRecording r, List<EventEnvelope<?>> events) {
        try {
            InvocationRecord call = r.call();
            Tuple values = Tuple.tuple(callValues(r));
            if (!r.lines().isEmpty()) {
                values.addValue(call.functionId()).addString(call.provider())
                        .addValue(call.at().atOffset(ZoneOffset.UTC)).addArrayOfString(r.lines().toArray(String[]::new));
            }
            for (EventEnvelope<?> event : events) {
                Outbox.values(Topics.USAGE_RECEIPTS, event).forEach(values::addValue);
            }
            return postgres.bounded(postgres.pool().preparedQuery(numbered(aloneStatement(r, events.size())))
                    .execute(values).map(rows -> rows.iterator().next().getLong(0) == 1 && !events.isEmpty()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Whether {@link #recordAlone} can be used (its client's settings allow it). */
    public boolean canRecordAlone() {
        return postgres.usable();
    }

    /** The statement that records one call, its log lines and {@code events} witness events ({@code ?} parameters). */
    private static String aloneStatement(CallRecording r, int events) {
        StringBuilder sql = new StringBuilder("WITH call AS (").append(INSERT_CALL).append(" RETURNING id)");
        if (!r.lines().isEmpty()) {
            sql.append(", lines AS (INSERT INTO function_logs (function_id, invocation_id, provider, at, line)"
                    + " SELECT ?::uuid, call.id, ?, ?::timestamptz, l.line"
                    + " FROM call, unnest(?::text[]) WITH ORDINALITY AS l(line, n) ORDER BY l.n)");
        }
        for (int i = 0; i < events; i++) {
            sql.append(", witness").append(i).append(" AS (").append(Outbox.insertFor("call")).append(')');
        }
        return sql.append(" SELECT count(*) FROM call").toString();
    }

    /** {@code sql} with its {@code ?} parameters numbered ({@code $1}, {@code $2}, ...) for PostgreSQL's protocol. */
    static String numbered(String sql) {
        StringBuilder out = new StringBuilder(sql.length() + 32);
        int n = 0;
        for (int i = 0; i < sql.length(); i++) {
            char ch = sql.charAt(i);
            if (ch == '?') {
                out.append('$').append(++n);
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    /** Sets a call's row for {@link #INSERT_CALL}; the next parameter's index. */
    private static int bindCall(PreparedStatement s, CallRecording r) throws SQLException {
        List<Object> values = callValues(r);
        for (int i = 0; i < values.size(); i++) {
            s.setObject(i + 1, values.get(i));
        }
        return values.size() + 1;
    }

    /** A call's row for {@link #INSERT_CALL}, in order: what both clients bind. */
    private static List<Object> callValues(CallRecording r) {
        InvocationRecord call = r.call();
        return Arrays.asList(call.id(), call.functionId(), call.version(), call.provider(), call.leaseId(), call.status(),
                call.exitCode(), call.cpuNanos(), call.memoryMibMillis(), call.wallMillis(), call.bytesIn(), call.bytesOut(),
                call.chargeWei() == null ? null : new BigDecimal(call.chargeWei()), call.receiptStatus().name(),
                call.receiptProblem(), r.receiptJson(), call.at().atOffset(ZoneOffset.UTC));
    }

    /** Records one call; false when it was recorded already. */
    private boolean record(Connection c, CallRecording r) throws SQLException {
        InvocationRecord call = r.call();
        try (PreparedStatement s = c.prepareStatement(INSERT_CALL)) {
            bindCall(s, r);
            if (s.executeUpdate() == 0) {
                return false;
            }
        }
        if (!r.lines().isEmpty()) {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO function_logs (function_id, invocation_id,"
                    + " provider, at, line) VALUES (?, ?, ?, ?, ?)")) {
                for (String line : r.lines()) {
                    s.setObject(1, call.functionId());
                    s.setObject(2, call.id());
                    s.setString(3, call.provider());
                    s.setTimestamp(4, Timestamp.from(call.at()));
                    s.setString(5, line);
                    s.addBatch();
                }
                s.executeBatch();
            }
        }
        return true;
    }

    /** The recorded call {@code id} with its function's owner; empty when no call with that id is recorded. */
    public Optional<RecordedCall> recordedCall(UUID id) {
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT i.lease_id, i.provider, f.owner, i.status, i.exit_code,"
                    + " i.receipt_status, i.receipt_problem, i.receipt_json, i.at FROM invocations i"
                    + " JOIN functions f ON f.id = i.function_id WHERE i.id = ?")) {
                s.setObject(1, id);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        return Optional.<RecordedCall>empty();
                    }
                    String receipt = r.getString(8);
                    return Optional.of(new RecordedCall(id, r.getObject(1, UUID.class), r.getString(2),
                            Address.parse(r.getString(3)), r.getString(4), r.getInt(5), ReceiptStatus.valueOf(r.getString(6)),
                            r.getString(7), receipt == null ? null : JsonCodec.read(receipt, UsageReceipt.class),
                            r.getTimestamp(9).toInstant()));
                }
            }
        });
    }

    /**
     * Deletes at most {@code batch} log lines (of any function) recorded before {@code cutoff}, oldest first, in one
     * transaction.
     *
     * @return how many were deleted
     */
    public int deleteLogsBefore(Instant cutoff, int batch) {
        return tx.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM function_logs WHERE seq IN (SELECT seq FROM"
                    + " function_logs WHERE at < ? ORDER BY at LIMIT ?)")) {
                s.setTimestamp(1, Timestamp.from(cutoff));
                s.setInt(2, batch);
                return s.executeUpdate();
            }
        });
    }

    /** The function's usage summed over its recorded calls. */
    public UsageReport usage(UUID functionId, String name) {
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT count(*), count(*) FILTER (WHERE status <> 'OK'),"
                    + " count(*) FILTER (WHERE receipt_status = 'SUSPECT'), coalesce(sum(cpu_nanos), 0),"
                    + " coalesce(sum(memory_mib_millis), 0), coalesce(sum(wall_millis), 0), coalesce(sum(bytes_in), 0),"
                    + " coalesce(sum(bytes_out), 0), coalesce(sum(charge_wei), 0), min(at), max(at)"
                    + " FROM invocations WHERE function_id = ?")) {
                s.setObject(1, functionId);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return new UsageReport(name, r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4) / 1e9,
                            r.getLong(5) / 1024.0 / 1000.0, r.getLong(6) / 1000.0, r.getLong(7), r.getLong(8),
                            r.getBigDecimal(9).toBigIntegerExact(), instant(r.getTimestamp(10)), instant(r.getTimestamp(11)));
                }
            }
        });
    }

    /** Where the line {@code seq} of the function is in its log; empty when there is no such line (any more). */
    public Optional<LogPosition> logPosition(UUID functionId, long seq) {
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT at FROM function_logs WHERE function_id = ? AND seq = ?")) {
                s.setObject(1, functionId);
                s.setLong(2, seq);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? Optional.of(new LogPosition(r.getTimestamp(1).toInstant(), seq))
                            : Optional.<LogPosition>empty();
                }
            }
        });
    }

    /**
     * The oldest transaction id that may still be running ({@code pg_snapshot_xmin}): every line recorded by a
     * transaction below it is committed (or never will be), and no transaction below it can record more.
     */
    public long settledBelow() {
        return tx.read(c -> {
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")) {
                r.next();
                return Long.parseLong(r.getString(1));
            }
        });
    }

    /**
     * Up to {@code limit} lines of the function matching {@code query} after {@code after} (null: from the first) in
     * record order ({@code at}, then {@code seq}), recorded by transactions in {@code window}. One short read: a
     * long log is read page after page, never held whole. {@code query.after()} and {@code query.limit()} are the
     * caller's to apply (through {@code after} and {@code limit}).
     */
    public List<LogLine> logPage(UUID functionId, LogQuery query, LogPosition after, CommitWindow window, int limit) {
        StringBuilder sql = new StringBuilder("SELECT seq, at, invocation_id, provider, line FROM function_logs"
                + " WHERE function_id = ?");
        List<Object> args = new ArrayList<>();
        args.add(functionId);
        if (after != null) {
            sql.append(" AND (at, seq) > (?, ?)");
            args.add(Timestamp.from(after.at()));
            args.add(after.seq());
        }
        if (query.since() != null) {
            sql.append(" AND at >= ?");
            args.add(Timestamp.from(query.since()));
        }
        if (query.until() != null) {
            sql.append(" AND at < ?");
            args.add(Timestamp.from(query.until()));
        }
        if (query.invocationId() != null) {
            // a call's lines share its record time: the index finds them without reading the rest of the log
            sql.append(" AND invocation_id = ? AND at = (SELECT i.at FROM invocations i WHERE i.id = ? AND i.function_id = ?)");
            args.add(query.invocationId());
            args.add(query.invocationId());
            args.add(functionId);
        }
        if (query.provider() != null) {
            sql.append(" AND lower(provider) = lower(?)");
            args.add(query.provider());
        }
        if (query.contains() != null) {
            sql.append(" AND strpos(line, ?) > 0");
            args.add(query.contains());
        }
        if (window.from() != null) {
            sql.append(" AND tx >= CAST(? AS xid8)");
            args.add(window.from().toString());
        }
        if (window.below() != null) {
            sql.append(" AND tx < CAST(? AS xid8)");
            args.add(window.below().toString());
        }
        sql.append(" ORDER BY at, seq LIMIT ?");
        args.add(limit);
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    s.setObject(i + 1, args.get(i));
                }
                List<LogLine> out = new ArrayList<>(Math.min(limit, 1024));
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        out.add(new LogLine(r.getLong(1), r.getTimestamp(2).toInstant(), r.getObject(3, UUID.class),
                                r.getString(4), r.getString(5)));
                    }
                }
                return out;
            }
        });
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

}
