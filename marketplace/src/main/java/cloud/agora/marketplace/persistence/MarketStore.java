package cloud.agora.marketplace.persistence;

import cloud.agora.marketplace.domain.Bid;
import cloud.agora.marketplace.domain.BidKey;
import cloud.agora.marketplace.domain.Lease;
import cloud.agora.marketplace.domain.Offer;
import cloud.agora.marketplace.domain.Provider;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidStatus;
import cloud.agora.protocol.market.Constraints;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import com.fasterxml.jackson.core.type.TypeReference;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The marketplace's tables: providers (with their offer), bids and leases. Writes take the
 * caller's connection so that one command's changes commit together with its outbox events.
 */
@ApplicationScoped
public class MarketStore {

    private static final TypeReference<List<String>> ADDRESSES = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, String>> ATTRIBUTES = new TypeReference<>() {
    };
    private static final String LEASE_COLUMNS = "l.id, l.bid_id, l.owner, l.provider, l.kind, l.cpu_millis, l.memory_mib, "
            + "l.storage_gib, l.price_vcpu_second, l.price_gib_second, l.price_invocation, l.price_gib_month, l.state, "
            + "l.created_at, l.closed_at, l.closed_by, l.close_reason, l.broker, p.endpoint";
    private static final String BID_COLUMNS = "id, seq, owner, kind, cpu_millis, memory_mib, storage_gib, replicas, "
            + "matched_replicas, max_vcpu_second, max_gib_second, max_invocation, max_gib_month, region, attributes, status, "
            + "created_at, expires_at, closed_at, avoid_providers, broker, min_score, max_failure_rate";

    private final AgroalDataSource dataSource;
    private final cloud.agora.support.governed.GovernedParameterTable governedTable =
            new cloud.agora.support.governed.GovernedParameterTable();

    public MarketStore(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A connection for one transaction (auto-commit off). */
    public Connection begin() throws SQLException {
        Connection connection = dataSource.getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    // ---------------------------------------------------------------- writes

    public void upsertProvider(Connection c, Provider p) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO providers (address, endpoint, region, attributes, registered_at,
                    offer_cpu_millis, offer_memory_mib, offer_storage_gib, price_vcpu_second, price_gib_second,
                    price_invocation, price_gib_month, offer_published_at, offer_seq, last_heartbeat_at,
                    free_cpu_millis, free_memory_mib, free_storage_gib)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (address) DO UPDATE SET endpoint = excluded.endpoint, region = excluded.region,
                    attributes = excluded.attributes,
                    offer_cpu_millis = excluded.offer_cpu_millis, offer_memory_mib = excluded.offer_memory_mib,
                    offer_storage_gib = excluded.offer_storage_gib, price_vcpu_second = excluded.price_vcpu_second,
                    price_gib_second = excluded.price_gib_second, price_invocation = excluded.price_invocation,
                    price_gib_month = excluded.price_gib_month, offer_published_at = excluded.offer_published_at,
                    offer_seq = excluded.offer_seq, last_heartbeat_at = excluded.last_heartbeat_at,
                    free_cpu_millis = excluded.free_cpu_millis, free_memory_mib = excluded.free_memory_mib,
                    free_storage_gib = excluded.free_storage_gib""")) {
            s.setString(1, p.address().value());
            s.setString(2, p.endpoint());
            s.setString(3, p.region());
            s.setString(4, JsonCodec.write(p.attributes()));
            s.setTimestamp(5, Timestamp.from(p.registeredAt()));
            Offer offer = p.offer();
            setResources(s, 6, offer == null ? null : offer.capacity());
            setPrices(s, 9, offer == null ? null : offer.prices());
            setInstant(s, 13, offer == null ? null : offer.publishedAt());
            if (offer == null) {
                s.setNull(14, Types.BIGINT);
            } else {
                s.setLong(14, offer.seq());
            }
            setInstant(s, 15, p.lastHeartbeatAt());
            setResources(s, 16, p.reportedFree());
            s.executeUpdate();
        }
    }

    public void insertBid(Connection c, Bid b) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO bids (" + BID_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setObject(1, b.id());
            s.setLong(2, b.seq());
            s.setString(3, b.owner().value());
            s.setString(4, b.kind().name());
            setResources(s, 5, b.resources());
            s.setInt(8, b.replicas());
            s.setInt(9, b.matchedReplicas());
            setPrices(s, 10, b.maxPrices());
            s.setString(14, b.constraints().region());
            s.setString(15, JsonCodec.write(b.constraints().attributes()));
            s.setString(16, b.status().name());
            s.setTimestamp(17, Timestamp.from(b.createdAt()));
            s.setTimestamp(18, Timestamp.from(b.expiresAt()));
            setInstant(s, 19, b.closedAt());
            s.setString(20, JsonCodec.write(b.constraints().avoidProviders().stream().map(Address::value).sorted().toList()));
            s.setString(21, b.broker() == null ? null : b.broker().value());
            s.setObject(22, b.constraints().minScore(), Types.INTEGER);
            s.setObject(23, b.constraints().maxFailureRate(), Types.DOUBLE);
            s.executeUpdate();
        }
    }

    public void updateBid(Connection c, Bid b) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE bids SET matched_replicas = ?, status = ?, closed_at = ? WHERE id = ?")) {
            s.setInt(1, b.matchedReplicas());
            s.setString(2, b.status().name());
            setInstant(s, 3, b.closedAt());
            s.setObject(4, b.id());
            s.executeUpdate();
        }
    }

    public void insertLease(Connection c, Lease l) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO leases (id, bid_id, owner, provider, kind, cpu_millis, memory_mib, storage_gib,
                    price_vcpu_second, price_gib_second, price_invocation, price_gib_month, state, created_at, broker)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            s.setObject(1, l.id());
            s.setObject(2, l.bidId());
            s.setString(3, l.owner().value());
            s.setString(4, l.provider().value());
            s.setString(5, l.kind().name());
            setResources(s, 6, l.resources());
            setPrices(s, 9, l.prices());
            s.setString(13, l.state().name());
            s.setTimestamp(14, Timestamp.from(l.createdAt()));
            s.setString(15, l.broker() == null ? null : l.broker().value());
            s.executeUpdate();
        }
    }

    /**
     * Records the idempotency key a new bid was placed with, in the bid's transaction. The primary key (bidder, key)
     * refuses a second bid under one key even if two writers raced past the check.
     */
    public void insertBidKey(Connection c, BidKey key, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO bid_idempotency_keys (bidder, key, request_hash, bid_id, created_at) VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, key.bidder().value());
            s.setString(2, key.key());
            s.setString(3, key.requestHash());
            s.setObject(4, key.bidId());
            s.setTimestamp(5, Timestamp.from(now));
            s.executeUpdate();
        }
    }

    public void closeLease(Connection c, Lease l) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE leases SET state = ?, closed_at = ?, closed_by = ?, close_reason = ? WHERE id = ?")) {
            s.setString(1, l.state().name());
            setInstant(s, 2, l.closedAt());
            s.setString(3, l.closedBy().value());
            s.setString(4, l.closeReason());
            s.setObject(5, l.id());
            s.executeUpdate();
        }
    }

    /**
     * Records a governed value unless a decision at least as recent is already recorded.
     *
     * @return whether the value in effect changed
     */
    public boolean recordGoverned(String name, String value, String unit, Instant effectiveAt, long proposalId,
            String eventId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return governedTable.record(c, name, value, unit, effectiveAt, proposalId, eventId);
        }
    }

    /** The governed value of a parameter, if governance ever set it. */
    public Optional<String> governed(String name) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return governedTable.value(c, name);
        }
    }

    // ---------------------------------------------------------------- reads

    public List<Provider> providers() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT * FROM providers");
             ResultSet r = s.executeQuery()) {
            List<Provider> providers = new ArrayList<>();
            while (r.next()) {
                Offer offer = r.getObject("offer_seq") == null ? null
                        : new Offer(resources(r, "offer_cpu_millis", "offer_memory_mib", "offer_storage_gib"),
                                prices(r, "price_vcpu_second", "price_gib_second", "price_invocation", "price_gib_month"),
                                instant(r, "offer_published_at"), r.getLong("offer_seq"));
                Resources free = r.getObject("free_cpu_millis") == null ? null
                        : resources(r, "free_cpu_millis", "free_memory_mib", "free_storage_gib");
                providers.add(new Provider(new Address(r.getString("address")), r.getString("endpoint"),
                        r.getString("region"), JsonCodec.read(r.getString("attributes"), ATTRIBUTES),
                        instant(r, "registered_at"), offer, instant(r, "last_heartbeat_at"), free));
            }
            return providers;
        }
    }

    /** Open bids with the providers already holding their replicas. */
    public Map<Bid, Set<Address>> openBids() throws SQLException {
        Map<UUID, Bid> bids = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("SELECT " + BID_COLUMNS + " FROM bids WHERE status = 'OPEN'");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Bid bid = bid(r);
                    bids.put(bid.id(), bid);
                }
            }
            Map<Bid, Set<Address>> open = new HashMap<>();
            bids.values().forEach(b -> open.put(b, new java.util.HashSet<>()));
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT l.bid_id, l.provider FROM leases l JOIN bids b ON b.id = l.bid_id WHERE b.status = 'OPEN'");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    open.get(bids.get(r.getObject(1, UUID.class))).add(new Address(r.getString(2)));
                }
            }
            return open;
        }
    }

    /** How many active leases each provider holds. */
    public Map<Address, Long> activeLeaseCounts() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT provider, count(*) FROM leases WHERE state = 'ACTIVE' GROUP BY provider");
                ResultSet r = s.executeQuery()) {
            Map<Address, Long> counts = new java.util.HashMap<>();
            while (r.next()) {
                counts.put(new Address(r.getString(1)), r.getLong(2));
            }
            return counts;
        }
    }

    public List<Lease> activeLeases() throws SQLException {
        return leases("WHERE l.state = 'ACTIVE'").stream().map(LeaseRow::lease).toList();
    }

    /** The bid {@code bidder} placed with idempotency key {@code key}, if any. */
    public Optional<BidKey> bidKey(Address bidder, String key) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "SELECT request_hash, bid_id FROM bid_idempotency_keys WHERE bidder = ? AND key = ?")) {
            s.setString(1, bidder.value());
            s.setString(2, key);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new BidKey(bidder, key, r.getString(1), r.getObject(2, UUID.class)))
                        : Optional.empty();
            }
        }
    }

    public Optional<Bid> bid(UUID id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + BID_COLUMNS + " FROM bids WHERE id = ?")) {
            s.setObject(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(bid(r)) : Optional.empty();
            }
        }
    }

    public List<UUID> leaseIdsOfBid(UUID bidId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT id FROM leases WHERE bid_id = ? ORDER BY created_at, id")) {
            s.setObject(1, bidId);
            try (ResultSet r = s.executeQuery()) {
                List<UUID> ids = new ArrayList<>();
                while (r.next()) {
                    ids.add(r.getObject(1, UUID.class));
                }
                return ids;
            }
        }
    }

    public Optional<LeaseRow> lease(UUID id) throws SQLException {
        List<LeaseRow> rows = leases("WHERE l.id = ?", id);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public List<LeaseRow> leasesOfOwner(Address owner, int limit) throws SQLException {
        return leases("WHERE l.owner = ? ORDER BY l.created_at DESC LIMIT " + limit, owner.value());
    }

    public List<LeaseRow> leasesOfProvider(Address provider, boolean activeOnly, int limit) throws SQLException {
        return leases("WHERE l.provider = ?" + (activeOnly ? " AND l.state = 'ACTIVE'" : "")
                + " ORDER BY l.created_at DESC LIMIT " + limit, provider.value());
    }

    /** A lease with its provider's endpoint (so a consumer knows where its replica runs). */
    public record LeaseRow(Lease lease, String providerEndpoint) {
    }

    private List<LeaseRow> leases(String where, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + LEASE_COLUMNS
                     + " FROM leases l JOIN providers p ON p.address = l.provider " + where)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                List<LeaseRow> rows = new ArrayList<>();
                while (r.next()) {
                    String closedBy = r.getString("closed_by");
                    Lease lease = new Lease(r.getObject("id", UUID.class), r.getObject("bid_id", UUID.class),
                            new Address(r.getString("owner")), new Address(r.getString("provider")),
                            BidKind.valueOf(r.getString("kind")), resources(r, "cpu_millis", "memory_mib", "storage_gib"),
                            prices(r, "price_vcpu_second", "price_gib_second", "price_invocation", "price_gib_month"),
                            LeaseState.valueOf(r.getString("state")), instant(r, "created_at"), instant(r, "closed_at"),
                            closedBy == null ? null : new Address(closedBy), r.getString("close_reason"),
                            address(r.getString("broker")));
                    rows.add(new LeaseRow(lease, r.getString("endpoint")));
                }
                return rows;
            }
        }
    }

    private static Bid bid(ResultSet r) throws SQLException {
        return new Bid(r.getObject("id", UUID.class), r.getLong("seq"), new Address(r.getString("owner")),
                BidKind.valueOf(r.getString("kind")), resources(r, "cpu_millis", "memory_mib", "storage_gib"),
                r.getInt("replicas"), r.getInt("matched_replicas"),
                prices(r, "max_vcpu_second", "max_gib_second", "max_invocation", "max_gib_month"),
                new Constraints(r.getString("region"), JsonCodec.read(r.getString("attributes"), ATTRIBUTES),
                        JsonCodec.read(r.getString("avoid_providers"), ADDRESSES).stream().map(Address::new)
                                .collect(java.util.stream.Collectors.toSet()),
                        r.getObject("min_score", Integer.class), r.getObject("max_failure_rate", Double.class)),
                BidStatus.valueOf(r.getString("status")), instant(r, "created_at"), instant(r, "expires_at"),
                instant(r, "closed_at"), address(r.getString("broker")));
    }

    private static Address address(String value) {
        return value == null ? null : new Address(value);
    }

    // ---------------------------------------------------------------- column mapping

    private static void setResources(PreparedStatement s, int at, Resources resources) throws SQLException {
        if (resources == null) {
            s.setNull(at, Types.BIGINT);
            s.setNull(at + 1, Types.BIGINT);
            s.setNull(at + 2, Types.BIGINT);
        } else {
            s.setLong(at, resources.cpuMillis());
            s.setLong(at + 1, resources.memoryMiB());
            s.setLong(at + 2, resources.storageGiB());
        }
    }

    private static void setPrices(PreparedStatement s, int at, Prices prices) throws SQLException {
        Wei[] values = prices == null ? new Wei[4]
                : new Wei[] {prices.perVcpuSecond(), prices.perGiBSecond(), prices.perInvocation(), prices.perGiBMonth()};
        for (int i = 0; i < 4; i++) {
            if (values[i] == null) {
                s.setNull(at + i, Types.NUMERIC);
            } else {
                s.setBigDecimal(at + i, new BigDecimal(values[i].value()));
            }
        }
    }

    private static void setInstant(PreparedStatement s, int at, Instant instant) throws SQLException {
        if (instant == null) {
            s.setNull(at, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            s.setTimestamp(at, Timestamp.from(instant));
        }
    }

    private static Resources resources(ResultSet r, String cpu, String memory, String storage) throws SQLException {
        return new Resources(r.getLong(cpu), r.getLong(memory), r.getLong(storage));
    }

    private static Prices prices(ResultSet r, String cpu, String memory, String invocation, String storage)
            throws SQLException {
        return new Prices(wei(r, cpu), wei(r, memory), wei(r, invocation), wei(r, storage));
    }

    private static Wei wei(ResultSet r, String column) throws SQLException {
        return new Wei(r.getBigDecimal(column).toBigIntegerExact());
    }

    private static Instant instant(ResultSet r, String column) throws SQLException {
        Timestamp timestamp = r.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }
}
