package cloud.agora.billing.persistence;

import cloud.agora.billing.domain.LeaseTerms;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseView;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Billing's copy of the marketplace's leases, and the ids of the events already applied. */
@ApplicationScoped
public class LeaseRepository {

    /** Records that event {@code eventId} is being applied; false when it was applied before. */
    public boolean firstTime(Connection c, String eventId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO processed_events (event_id) VALUES (?) ON CONFLICT DO NOTHING")) {
            s.setString(1, eventId);
            return s.executeUpdate() == 1;
        }
    }

    /**
     * Stores the lease as the event shows it (a later closing is kept; resources missing from a row recorded before
     * billing kept them are filled in by the lease's next event).
     */
    public void save(Connection c, LeaseView lease) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO leases (lease_id, owner_address, provider_address, per_vcpu_second, per_gib_second,
                                    per_invocation, state, created_at, closed_at, cpu_millis, memory_mib, kind,
                                    storage_gib, per_gib_month)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (lease_id) DO UPDATE SET
                    state = CASE WHEN leases.closed_at IS NULL THEN EXCLUDED.state ELSE leases.state END,
                    closed_at = COALESCE(leases.closed_at, EXCLUDED.closed_at),
                    cpu_millis = COALESCE(leases.cpu_millis, EXCLUDED.cpu_millis),
                    memory_mib = COALESCE(leases.memory_mib, EXCLUDED.memory_mib)""")) {
            s.setObject(1, lease.id());
            s.setString(2, lease.owner().value());
            s.setString(3, lease.provider().value());
            s.setBigDecimal(4, new BigDecimal(lease.prices().perVcpuSecond().value()));
            s.setBigDecimal(5, new BigDecimal(lease.prices().perGiBSecond().value()));
            s.setBigDecimal(6, new BigDecimal(lease.prices().perInvocation().value()));
            s.setString(7, lease.state().name());
            s.setTimestamp(8, Timestamp.from(lease.createdAt()));
            s.setTimestamp(9, lease.closedAt() == null ? null : Timestamp.from(lease.closedAt()));
            if (lease.resources() == null) {
                s.setNull(10, java.sql.Types.BIGINT);
                s.setNull(11, java.sql.Types.BIGINT);
            } else {
                s.setLong(10, lease.resources().cpuMillis());
                s.setLong(11, lease.resources().memoryMiB());
            }
            boolean storage = lease.kind() == BidKind.STORAGE;
            s.setString(12, storage ? BidKind.STORAGE.name() : BidKind.COMPUTE.name());
            if (storage && lease.resources() != null) {
                s.setLong(13, lease.resources().storageGiB());
            } else {
                s.setNull(13, java.sql.Types.BIGINT);
            }
            s.setBigDecimal(14, new BigDecimal(lease.prices().perGiBMonth().value()));
            s.executeUpdate();
        }
    }

    /** The terms of those of {@code ids} that billing knows. */
    public Map<UUID, LeaseTerms> find(Connection c, Collection<UUID> ids) throws SQLException {
        Map<UUID, LeaseTerms> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement("""
                SELECT lease_id, owner_address, provider_address, per_vcpu_second, per_gib_second, per_invocation, closed_at,
                       cpu_millis, memory_mib, kind, storage_gib, per_gib_month, created_at
                FROM leases WHERE lease_id = ANY (?)""")) {
            s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Timestamp closed = r.getTimestamp(7);
                    Long storageGiB = r.getObject(11, Long.class);
                    LeaseTerms.Storage storage = BidKind.STORAGE.name().equals(r.getString(10))
                            ? new LeaseTerms.Storage(storageGiB == null ? 0 : storageGiB, integer(r.getBigDecimal(12)),
                                    r.getTimestamp(13).toInstant())
                            : null;
                    LeaseTerms terms = new LeaseTerms(r.getObject(1, UUID.class), new Address(r.getString(2)),
                            new Address(r.getString(3)), integer(r.getBigDecimal(4)), integer(r.getBigDecimal(5)),
                            integer(r.getBigDecimal(6)), closed == null ? null : closed.toInstant(),
                            r.getObject(8, Long.class), r.getObject(9, Long.class), storage);
                    found.put(terms.leaseId(), terms);
                }
            }
        }
        return found;
    }

    static BigInteger integer(BigDecimal value) {
        return value == null ? BigInteger.ZERO : value.toBigIntegerExact();
    }

    /**
     * Serialises, until the end of the transaction, recording leases with parking receipts for unknown leases
     * (a PostgreSQL transaction-scoped advisory lock; re-entrant within one transaction).
     */
    public void lockArrivals(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            s.setLong(1, LEASE_ARRIVALS_LOCK);
            s.executeQuery().close();
        }
    }

    /** The advisory lock key of lease arrivals ("billing" in ASCII). */
    private static final long LEASE_ARRIVALS_LOCK = 0x62696c6c696e67L;
}
