package cloud.agora.functions.persistence;

import cloud.agora.functions.domain.async.AsyncInvocation;
import cloud.agora.functions.domain.async.AsyncInvocationRecord;
import cloud.agora.functions.domain.async.AsyncRequest;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.outbox.Outbox;
import com.fasterxml.jackson.core.type.TypeReference;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Async invocations in PostgreSQL; queue and dead-letter records go through the outbox in the same transaction. */
@ApplicationScoped
public class AsyncInvocationStore {

    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private final Transactions tx;
    private final Outbox outbox;

    public AsyncInvocationStore(Transactions tx, Outbox outbox) {
        this.tx = tx;
        this.outbox = outbox;
    }

    /**
     * Stores a QUEUED request (with the SHA-256 of its read capability, never the capability) and its queue record
     * ({@code topic}) in one transaction.
     */
    public void submit(UUID functionId, AsyncRequest request, byte[] capabilitySha256, Instant now, String topic,
            EventEnvelope<?> queued) {
        tx.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO async_invocations (id, function_id, function_name,"
                    + " method, path, query, headers_json, body, status, created_at, updated_at, capability_sha256)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'QUEUED', ?, ?, ?)")) {
                s.setObject(1, request.id());
                s.setObject(2, functionId);
                s.setString(3, request.function());
                s.setString(4, request.method());
                s.setString(5, request.path());
                s.setString(6, request.query());
                s.setString(7, JsonCodec.write(request.headers()));
                s.setBytes(8, request.body());
                s.setTimestamp(9, Timestamp.from(now));
                s.setTimestamp(10, Timestamp.from(now));
                s.setBytes(11, capabilitySha256);
                s.executeUpdate();
            }
            outbox.append(c, topic, queued);
            return null;
        });
    }

    /**
     * Claims the request for an attempt: QUEUED (or RUNNING since before {@code runningBefore},
     * left by a gateway that crashed) →
     * RUNNING with one more attempt. Empty when it is finished or unknown (a redelivered record).
     */
    public Optional<AsyncRequest> claim(UUID id, Instant now, Instant runningBefore) {
        return tx.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE async_invocations SET status = 'RUNNING',"
                    + " attempts = attempts + 1, updated_at = ? WHERE id = ?"
                    + " AND (status = 'QUEUED' OR (status = 'RUNNING' AND updated_at < ?))"
                    + " RETURNING function_name, method, path, query, headers_json, body, attempts")) {
                s.setTimestamp(1, Timestamp.from(now));
                s.setObject(2, id);
                s.setTimestamp(3, Timestamp.from(runningBefore));
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new AsyncRequest(id, r.getString(1), r.getString(2), r.getString(3),
                            r.getString(4), JsonCodec.read(r.getString(5), HEADERS), r.getBytes(6),
                            AsyncInvocation.Status.RUNNING, r.getInt(7)));
                }
            }
        });
    }

    /** Ends a RUNNING request (SUCCEEDED, FAILED or DEAD_LETTERED), with a dead-letter record when given. */
    public void finish(UUID id, AsyncInvocation.Status status, Integer resultStatus, byte[] resultBody, String provider,
            Map<String, Object> error, Instant now, String topic, EventEnvelope<?> deadLetter) {
        tx.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE async_invocations SET status = ?, result_status = ?,"
                    + " result_body = ?, provider = ?, error_json = ?, updated_at = ? WHERE id = ? AND status = 'RUNNING'")) {
                s.setString(1, status.name());
                s.setObject(2, resultStatus);
                s.setBytes(3, resultBody);
                s.setString(4, provider);
                s.setString(5, error == null ? null : JsonCodec.write(error));
                s.setTimestamp(6, Timestamp.from(now));
                s.setObject(7, id);
                if (s.executeUpdate() == 1 && deadLetter != null) {
                    outbox.append(c, topic, deadLetter);
                }
            }
            return null;
        });
    }

    /** Puts a RUNNING request back to QUEUED between attempts. */
    public void requeue(UUID id, Instant now) {
        tx.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE async_invocations SET status = 'QUEUED', updated_at = ? WHERE id = ? AND status = 'RUNNING'")) {
                s.setTimestamp(1, Timestamp.from(now));
                s.setObject(2, id);
                s.executeUpdate();
            }
            return null;
        });
    }

    /** Ids waiting (QUEUED since before {@code queuedBefore}) or stuck RUNNING since before {@code runningBefore}. */
    public java.util.List<UUID> stalled(Instant queuedBefore, Instant runningBefore, int limit) {
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM async_invocations WHERE (status = 'QUEUED'"
                    + " AND updated_at < ?) OR (status = 'RUNNING' AND updated_at < ?) ORDER BY updated_at LIMIT ?")) {
                s.setTimestamp(1, Timestamp.from(queuedBefore));
                s.setTimestamp(2, Timestamp.from(runningBefore));
                s.setInt(3, limit);
                java.util.List<UUID> out = new java.util.ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        out.add(r.getObject(1, UUID.class));
                    }
                }
                return out;
            }
        });
    }

    /** The invocation as its submitter sees it, with its function's owner and its capability's hash. */
    public Optional<AsyncInvocationRecord> find(UUID id) {
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT a.function_name, a.status, a.attempts, a.result_status,"
                    + " a.result_body, a.provider, a.error_json, a.created_at, a.updated_at, f.owner, a.capability_sha256"
                    + " FROM async_invocations a JOIN functions f ON f.id = a.function_id WHERE a.id = ?")) {
                s.setObject(1, id);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        return Optional.empty();
                    }
                    Map<String, Object> result = null;
                    if (r.getObject(4) != null) {
                        result = new LinkedHashMap<>();
                        result.put("status", r.getInt(4));
                        result.put("body", Base64.getEncoder().encodeToString(r.getBytes(5)));
                        result.put("provider", r.getString(6));
                    }
                    String error = r.getString(7);
                    return Optional.of(new AsyncInvocationRecord(new AsyncInvocation(id, r.getString(1),
                            AsyncInvocation.Status.valueOf(r.getString(2)), r.getInt(3), result,
                            error == null ? null : JsonCodec.read(error, OBJECT), r.getTimestamp(8).toInstant(),
                            r.getTimestamp(9).toInstant()), Address.parse(r.getString(10)), r.getBytes(11)));
                }
            }
        });
    }
}
