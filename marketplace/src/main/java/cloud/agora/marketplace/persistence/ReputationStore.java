package cloud.agora.marketplace.persistence;

import cloud.agora.marketplace.domain.ReputationFacts;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.reputation.LatencyHistogram;
import cloud.agora.protocol.reputation.ReputationSnapshot;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The evidence of providers' reputation: {@code reputation_hours} (sums per provider and UTC hour, added to in place)
 * and {@code reputation_evidence} (the ids of what was counted, so that nothing counts twice).
 */
@ApplicationScoped
public class ReputationStore {

    private static final String SUMS = """
            SELECT provider, SUM(calls) AS calls, SUM(answered) AS answered, SUM(function_failures) AS function_failures,
                SUM(agent_errors) AS agent_errors, SUM(timeouts) AS timeouts, SUM(unreachable) AS unreachable,
                sum_counts(latency) AS latency, sum_counts(overhead) AS overhead, SUM(cold_starts) AS cold_starts,
                sum_counts(cold_start) AS cold_start, SUM(audits_passed) AS audits_passed,
                SUM(audits_failed) AS audits_failed, SUM(down_millis) AS down_millis,
                SUM(leases_by_developer) AS leases_by_developer, SUM(leases_by_provider) AS leases_by_provider,
                SUM(leases_audit_failed) AS leases_audit_failed, SUM(leases_unreachable) AS leases_unreachable,
                SUM(leases_other_broker) AS leases_other_broker, SUM(disputes_upheld) AS disputes_upheld,
                SUM(disputes_rejected) AS disputes_rejected
            FROM reputation_hours WHERE hour >= ? %s GROUP BY provider""";

    private final AgroalDataSource dataSource;

    public ReputationStore(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A connection for one transaction (auto-commit off). */
    public Connection begin() throws SQLException {
        Connection connection = dataSource.getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    /** Records that the evidence {@code id} is counted; false when it already was (count nothing then). */
    public boolean firstTime(Connection c, String id, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO reputation_evidence (id, received_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING")) {
            s.setString(1, id);
            s.setTimestamp(2, Timestamp.from(now));
            return s.executeUpdate() == 1;
        }
    }

    /** Adds {@code facts} to the provider's row of the hour holding {@code at}. */
    public void add(Connection c, Address provider, Instant at, ReputationFacts f) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO reputation_hours AS h (provider, hour, calls, answered, function_failures, agent_errors,
                    timeouts, unreachable, latency, overhead, cold_starts, cold_start, audits_passed, audits_failed,
                    down_millis, leases_by_developer, leases_by_provider, leases_audit_failed, leases_unreachable,
                    leases_other_broker, disputes_upheld, disputes_rejected)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (provider, hour) DO UPDATE SET calls = h.calls + excluded.calls,
                    answered = h.answered + excluded.answered,
                    function_failures = h.function_failures + excluded.function_failures,
                    agent_errors = h.agent_errors + excluded.agent_errors, timeouts = h.timeouts + excluded.timeouts,
                    unreachable = h.unreachable + excluded.unreachable,
                    latency = add_counts(h.latency, excluded.latency),
                    overhead = add_counts(h.overhead, excluded.overhead),
                    cold_starts = h.cold_starts + excluded.cold_starts,
                    cold_start = add_counts(h.cold_start, excluded.cold_start),
                    audits_passed = h.audits_passed + excluded.audits_passed,
                    audits_failed = h.audits_failed + excluded.audits_failed,
                    down_millis = h.down_millis + excluded.down_millis,
                    leases_by_developer = h.leases_by_developer + excluded.leases_by_developer,
                    leases_by_provider = h.leases_by_provider + excluded.leases_by_provider,
                    leases_audit_failed = h.leases_audit_failed + excluded.leases_audit_failed,
                    leases_unreachable = h.leases_unreachable + excluded.leases_unreachable,
                    leases_other_broker = h.leases_other_broker + excluded.leases_other_broker,
                    disputes_upheld = h.disputes_upheld + excluded.disputes_upheld,
                    disputes_rejected = h.disputes_rejected + excluded.disputes_rejected""")) {
            s.setString(1, provider.value());
            s.setTimestamp(2, Timestamp.from(at.truncatedTo(ChronoUnit.HOURS)));
            s.setLong(3, f.calls());
            s.setLong(4, f.answered());
            s.setLong(5, f.functionFailures());
            s.setLong(6, f.agentErrors());
            s.setLong(7, f.timeouts());
            s.setLong(8, f.unreachable());
            s.setArray(9, counts(c, f.latency()));
            s.setArray(10, counts(c, f.overhead()));
            s.setLong(11, f.coldStarts());
            s.setArray(12, counts(c, f.coldStart()));
            s.setLong(13, f.auditsPassed());
            s.setLong(14, f.auditsFailed());
            s.setLong(15, f.downMillis());
            s.setLong(16, f.leasesByDeveloper());
            s.setLong(17, f.leasesByProvider());
            s.setLong(18, f.leasesAuditFailed());
            s.setLong(19, f.leasesUnreachable());
            s.setLong(20, f.leasesOtherByBroker());
            s.setLong(21, f.disputesUpheld());
            s.setLong(22, f.disputesRejected());
            s.executeUpdate();
        }
    }

    /** Every provider's evidence from the hour holding {@code from} on. */
    public Map<Address, ReputationFacts> sums(Instant from) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(SUMS.formatted(""))) {
            s.setTimestamp(1, Timestamp.from(from.truncatedTo(ChronoUnit.HOURS)));
            return read(s);
        }
    }

    /** One provider's evidence from the hour holding {@code from} on ({@link ReputationFacts#NONE} without any). */
    public ReputationFacts sum(Address provider, Instant from) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(SUMS.formatted("AND provider = ?"))) {
            s.setTimestamp(1, Timestamp.from(from.truncatedTo(ChronoUnit.HOURS)));
            s.setString(2, provider.value());
            return read(s).getOrDefault(provider, ReputationFacts.NONE);
        }
    }

    /** Deletes the rows of hours before {@code before} and evidence ids received before it. */
    public int prune(Instant before) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement hours = c.prepareStatement("DELETE FROM reputation_hours WHERE hour < ?");
                PreparedStatement ids = c.prepareStatement("DELETE FROM reputation_evidence WHERE received_at < ?")) {
            hours.setTimestamp(1, Timestamp.from(before));
            ids.setTimestamp(1, Timestamp.from(before));
            return hours.executeUpdate() + ids.executeUpdate();
        }
    }

    /** One provider's evidence of one hour. */
    public record HourRow(Address provider, Instant hour, ReputationFacts facts) {
    }

    /** Every provider's evidence, hour by hour, from the hour holding {@code from} on (by provider, then hour). */
    public List<HourRow> hours(Instant from) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT * FROM reputation_hours WHERE hour >= ? ORDER BY provider, hour")) {
            s.setTimestamp(1, Timestamp.from(from.truncatedTo(ChronoUnit.HOURS)));
            List<HourRow> rows = new java.util.ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(new HourRow(new Address(r.getString("provider")), r.getTimestamp("hour").toInstant(),
                            facts(r)));
                }
            }
            return rows;
        }
    }

    /** Keeps a published snapshot (once per CID), and only the newest {@code keep}. */
    public void saveSnapshot(String cid, Instant generatedAt, byte[] body, int keep) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement("INSERT INTO reputation_snapshots (cid, generated_at, body)"
                        + " VALUES (?, ?, ?) ON CONFLICT (cid) DO NOTHING");
                PreparedStatement prune = c.prepareStatement("DELETE FROM reputation_snapshots WHERE cid NOT IN"
                        + " (SELECT cid FROM reputation_snapshots ORDER BY generated_at DESC LIMIT ?)")) {
            insert.setString(1, cid);
            insert.setTimestamp(2, Timestamp.from(generatedAt));
            insert.setBytes(3, body);
            insert.executeUpdate();
            prune.setInt(1, keep);
            prune.executeUpdate();
        }
    }

    /** The newest snapshots, newest first. */
    public List<ReputationSnapshot.Published> snapshots(int limit) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT cid, generated_at, length(body) FROM reputation_snapshots ORDER BY generated_at DESC LIMIT ?")) {
            s.setInt(1, limit);
            List<ReputationSnapshot.Published> list = new java.util.ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    list.add(new ReputationSnapshot.Published(r.getString(1), r.getTimestamp(2).toInstant(),
                            r.getLong(3)));
                }
            }
            return list;
        }
    }

    /** The bytes of the snapshot {@code cid}, if it is kept. */
    public java.util.Optional<byte[]> snapshot(String cid) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT body FROM reputation_snapshots WHERE cid = ?")) {
            s.setString(1, cid);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? java.util.Optional.of(r.getBytes(1)) : java.util.Optional.empty();
            }
        }
    }

    private static Map<Address, ReputationFacts> read(PreparedStatement s) throws SQLException {
        Map<Address, ReputationFacts> sums = new HashMap<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                sums.put(new Address(r.getString("provider")), facts(r));
            }
        }
        return sums;
    }

    private static ReputationFacts facts(ResultSet r) throws SQLException {
        return new ReputationFacts(r.getLong("calls"), r.getLong("answered"), r.getLong("function_failures"),
                r.getLong("agent_errors"), r.getLong("timeouts"), r.getLong("unreachable"), histogram(r, "latency"),
                histogram(r, "overhead"), r.getLong("cold_starts"), histogram(r, "cold_start"),
                r.getLong("audits_passed"), r.getLong("audits_failed"), r.getLong("down_millis"),
                r.getLong("leases_by_developer"), r.getLong("leases_by_provider"), r.getLong("leases_audit_failed"),
                r.getLong("leases_unreachable"), r.getLong("leases_other_broker"), r.getLong("disputes_upheld"),
                r.getLong("disputes_rejected"));
    }

    private static Array counts(Connection c, LatencyHistogram histogram) throws SQLException {
        return c.createArrayOf("bigint", histogram.counts().toArray(Long[]::new));
    }

    private static LatencyHistogram histogram(ResultSet r, String column) throws SQLException {
        Array array = r.getArray(column);
        if (array == null) {
            return LatencyHistogram.empty();
        }
        Object[] values = (Object[]) array.getArray();
        List<Long> counts = Arrays.stream(values).map(v -> ((Number) v).longValue()).toList();
        return counts.isEmpty() ? LatencyHistogram.empty() : new LatencyHistogram(counts);
    }
}
