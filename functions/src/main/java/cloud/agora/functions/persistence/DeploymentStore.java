package cloud.agora.functions.persistence;

import cloud.agora.functions.domain.deployment.Autoscaling;
import cloud.agora.functions.domain.deployment.BidIntent;
import cloud.agora.functions.domain.deployment.Deployment;
import cloud.agora.functions.domain.deployment.DeploymentRequest;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.BidSpec;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Deployments, their replacement bids and the bids intended before they are placed, in PostgreSQL (plain JDBC). */
@ApplicationScoped
public class DeploymentStore {

    private static final TypeReference<List<Deployment.Replica>> REPLICAS = new TypeReference<>() {
    };

    private final AgroalDataSource dataSource;
    private final RoutingEpoch epoch;
    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();

    public DeploymentStore(AgroalDataSource dataSource, RoutingEpoch epoch) {
        this.dataSource = dataSource;
        this.epoch = epoch;
    }

    /** Inserts the deployment unless a deployment with its id (or its bid) is already recorded. */
    private void insert(Connection c, UUID functionId, Deployment d) throws SQLException, JsonProcessingException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO deployments (id, function_id, version, bid_id, replicas,"
                + " status, reasons, replica_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING")) {
            s.setObject(1, d.id());
            s.setObject(2, functionId);
            s.setInt(3, d.version());
            s.setObject(4, d.bidId());
            s.setInt(5, d.replicas());
            s.setString(6, d.status().name());
            s.setString(7, String.join(",", d.reasons()));
            s.setString(8, json.writeValueAsString(d.placed()));
            s.setTimestamp(9, Timestamp.from(d.createdAt()));
            s.setTimestamp(10, Timestamp.from(d.updatedAt()));
            s.executeUpdate();
        }
    }

    // ---------------------------------------------------------------- bids intended before they are placed

    /**
     * Records a deployment's bid about to be placed, with its key (from now on it is placed with that key or not at
     * all) and, when its replicas follow its load, the scaling's bounds, in one transaction.
     */
    public void intend(BidIntent intent, Autoscaling scaling) {
        inTransaction(c -> {
            insertIntent(c, intent, "");
            insertScaling(c, intent.deploymentId(), scaling);
        });
    }

    private static void insertScaling(Connection c, UUID deploymentId, Autoscaling scaling) throws SQLException {
        if (scaling == null) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO deployment_scaling (deployment_id, min_replicas,"
                + " max_replicas, target_concurrency) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            s.setObject(1, deploymentId);
            s.setInt(2, scaling.minReplicas());
            s.setInt(3, scaling.maxReplicas());
            s.setInt(4, scaling.targetConcurrency());
            s.executeUpdate();
        }
    }

    /** How many of a deployment's latest scaling decisions its view shows. */
    public static final int DECISIONS_SHOWN = 20;

    /** A deployment's scaling bounds and latest decisions (newest first), if its replicas follow its load. */
    public Optional<Autoscaling.View> scaling(UUID deploymentId) {
        try (Connection c = dataSource.getConnection()) {
            return scaling(c, deploymentId);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<Autoscaling.View> scaling(Connection c, UUID deploymentId) throws SQLException {
        Autoscaling.View view;
        try (PreparedStatement s = c.prepareStatement("SELECT min_replicas, max_replicas, target_concurrency"
                + " FROM deployment_scaling WHERE deployment_id = ?")) {
            s.setObject(1, deploymentId);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                view = new Autoscaling.View(r.getInt(1), r.getInt(2), r.getInt(3), List.of());
            }
        }
        List<Autoscaling.Decision> decisions = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT decided_at, from_replicas, to_replicas, reason"
                + " FROM scaling_decisions WHERE deployment_id = ? ORDER BY id DESC LIMIT " + DECISIONS_SHOWN)) {
            s.setObject(1, deploymentId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    decisions.add(new Autoscaling.Decision(r.getTimestamp(1).toInstant(), r.getInt(2), r.getInt(3),
                            r.getString(4)));
                }
            }
        }
        return Optional.of(view.withDecisions(decisions));
    }

    /**
     * Records a scaling decision: the deployment's replicas go from {@code from} to {@code to}, with the decision, in
     * one transaction; nothing changes (false) if its replicas are no longer {@code from} (another decision came first)
     * or it no longer follows its bids.
     */
    public boolean scale(UUID deploymentId, int from, int to, String reason, java.time.Instant now) {
        boolean[] scaled = {false};
        inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE deployments SET replicas = ?, updated_at = ?"
                    + " WHERE id = ? AND replicas = ? AND status IN ('PENDING', 'ACTIVE')")) {
                s.setInt(1, to);
                s.setTimestamp(2, Timestamp.from(now));
                s.setObject(3, deploymentId);
                s.setInt(4, from);
                scaled[0] = s.executeUpdate() == 1;
            }
            if (scaled[0]) {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO scaling_decisions (deployment_id, decided_at,"
                        + " from_replicas, to_replicas, reason) VALUES (?, ?, ?, ?, ?)")) {
                    s.setObject(1, deploymentId);
                    s.setTimestamp(2, Timestamp.from(now));
                    s.setInt(3, from);
                    s.setInt(4, to);
                    s.setString(5, reason);
                    s.executeUpdate();
                }
            }
        });
        if (scaled[0]) {
            epoch.bump();
        }
        return scaled[0];
    }

    /**
     * Takes a replica a scale-down gives up out of routing and records it as draining until {@code deadline}, in one
     * transaction; false (nothing changed) if the deployment no longer lists it or no longer has more replicas than
     * decided (under the row's lock: of two instances giving up a surplus of one, one does).
     */
    public boolean drain(UUID deploymentId, UUID leaseId, Address owner, java.time.Instant deadline,
            java.time.Instant notBefore, java.time.Instant now) {
        boolean[] drained = {false};
        inTransaction(c -> {
            List<Deployment.Replica> placed;
            try (PreparedStatement s = c.prepareStatement("SELECT replica_json, replicas FROM deployments WHERE id = ?"
                    + " FOR UPDATE")) {
                s.setObject(1, deploymentId);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        return;
                    }
                    placed = json.readValue(r.getString(1), REPLICAS);
                    if (placed.size() <= r.getInt(2)) {
                        return; // no surplus (any more): another instance drained one first
                    }
                }
            }
            List<Deployment.Replica> kept = placed.stream().filter(p -> !p.leaseId().equals(leaseId)).toList();
            if (kept.size() == placed.size()) {
                return;
            }
            try (PreparedStatement u = c.prepareStatement("UPDATE deployments SET replica_json = ?, updated_at = ? WHERE id = ?")) {
                u.setString(1, json.writeValueAsString(kept));
                u.setTimestamp(2, Timestamp.from(now));
                u.setObject(3, deploymentId);
                u.executeUpdate();
            }
            try (PreparedStatement i = c.prepareStatement("INSERT INTO scaling_drains (lease_id, deployment_id, owner,"
                    + " deadline, not_before) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                i.setObject(1, leaseId);
                i.setObject(2, deploymentId);
                i.setString(3, owner.value());
                i.setTimestamp(4, Timestamp.from(deadline));
                i.setTimestamp(5, Timestamp.from(notBefore));
                i.executeUpdate();
            }
            drained[0] = true;
        });
        if (drained[0]) {
            epoch.bump();
        }
        return drained[0];
    }

    /**
     * A replica a scale-down is giving up: its lease, whose it is, when it is closed whatever is in flight, and before
     * when it is not closed (other instances' routing caches may still send to it until then).
     */
    public record Drain(UUID leaseId, UUID deploymentId, Address owner, java.time.Instant deadline,
            java.time.Instant notBefore) {
    }

    /** Every replica being given up by a scale-down. */
    public List<Drain> drains() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT lease_id, deployment_id, owner, deadline, not_before"
                        + " FROM scaling_drains ORDER BY deadline");
                ResultSet r = s.executeQuery()) {
            List<Drain> out = new ArrayList<>();
            while (r.next()) {
                out.add(new Drain(r.getObject(1, UUID.class), r.getObject(2, UUID.class), Address.parse(r.getString(3)),
                        r.getTimestamp(4).toInstant(), r.getTimestamp(5).toInstant()));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The leases of a deployment's replicas being given up (left out when the deployment is refreshed). */
    public java.util.Set<UUID> draining(UUID deploymentId) {
        return new java.util.HashSet<>(ids("SELECT lease_id FROM scaling_drains WHERE deployment_id = ?", deploymentId));
    }

    /** The replica's lease is closed: it is no longer draining. */
    public void drained(UUID leaseId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("DELETE FROM scaling_drains WHERE lease_id = ?")) {
            s.setObject(1, leaseId);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An ACTIVE deployment whose replicas follow its load, as the scaler needs it. */
    public record Scaled(UUID deploymentId, String owner, String function, int replicas, Autoscaling bounds,
            List<Deployment.Replica> placed) {
    }

    /** Every ACTIVE deployment whose replicas follow its load. */
    public List<Scaled> autoscaled() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT d.id, f.owner, f.name, d.replicas, d.replica_json,"
                        + " x.min_replicas, x.max_replicas, x.target_concurrency FROM deployments d"
                        + " JOIN deployment_scaling x ON x.deployment_id = d.id JOIN functions f ON f.id = d.function_id"
                        + " WHERE d.status = 'ACTIVE' ORDER BY d.id");
                ResultSet r = s.executeQuery()) {
            List<Scaled> out = new ArrayList<>();
            while (r.next()) {
                out.add(new Scaled(r.getObject(1, UUID.class), r.getString(2), r.getString(3), r.getInt(4),
                        new Autoscaling(r.getInt(6), r.getInt(7), r.getInt(8)), json.readValue(r.getString(5), REPLICAS)));
            }
            return out;
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Records a deployment's intent under the developer's idempotency key for the request with {@code requestDigest},
     * unless the key already has one; returns the key's intent either way, so that of two requests with one key both
     * follow the first.
     */
    public DeploymentRequest intendRequested(BidIntent intent, String requestKey, String requestDigest,
            Autoscaling scaling) {
        DeploymentRequest[] recorded = new DeploymentRequest[1];
        inTransaction(c -> {
            insertIntent(c, intent, requestKey, requestDigest,
                    " ON CONFLICT (owner, request_key) WHERE request_key IS NOT NULL DO NOTHING");
            recorded[0] = requested(c, intent.owner(), requestKey).orElseThrow();
            if (recorded[0].intent().key().equals(intent.key())) {
                insertScaling(c, intent.deploymentId(), scaling);
            }
        });
        return recorded[0];
    }

    /** The deployment intent recorded for the developer's idempotency key, if any. */
    public Optional<DeploymentRequest> requested(Address owner, String requestKey) {
        try (Connection c = dataSource.getConnection()) {
            return requested(c, owner, requestKey);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<DeploymentRequest> requested(Connection c, Address owner, String requestKey)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT i.idempotency_key, i.request_digest, i.bid_id, i.refused"
                + " FROM bid_intents i WHERE i.owner = ? AND i.request_key = ?")) {
            s.setString(1, owner.value());
            s.setString(2, requestKey);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                String key = r.getString(1);
                String digest = r.getString(2);
                UUID bidId = r.getObject(3, UUID.class);
                String refused = r.getString(4);
                BidIntent intent = intents(c, "i.idempotency_key = ?", key).get(0);
                return Optional.of(new DeploymentRequest(intent, digest, bidId, refused));
            }
        }
    }

    /**
     * Records the intent of a replacement bid unless the deployment already has an open one, and returns the open one:
     * whoever intends a replacement first, every caller places that same bid (same key, same body).
     */
    public BidIntent intendReplacement(BidIntent intent) {
        try (Connection c = dataSource.getConnection()) {
            insertIntent(c, intent, " ON CONFLICT DO NOTHING");
            return intents(c, "i.deployment_id = ? AND i.purpose = 'REPLACEMENT' AND i.resolved_at IS NULL",
                    intent.deploymentId()).get(0);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Intents not yet recorded as placed or refused, recorded before {@code before}, oldest first. */
    public List<BidIntent> openIntents(java.time.Instant before) {
        try (Connection c = dataSource.getConnection()) {
            return intents(c, "i.resolved_at IS NULL AND i.created_at < ?", Timestamp.from(before));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The open intents of one function, oldest first. */
    public List<BidIntent> openIntentsOf(UUID functionId) {
        try (Connection c = dataSource.getConnection()) {
            return intents(c, "i.resolved_at IS NULL AND i.function_id = ?", functionId);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The marketplace refused the intended bid (nothing was placed): it is not placed again. */
    public void intentRefused(String key, String reason, java.time.Instant now) {
        resolve(key, null, reason, now);
    }

    /** The intended bid is placed, and nothing else is to be recorded for it (its deployment no longer follows bids). */
    public void intentPlaced(String key, UUID bidId, java.time.Instant now) {
        resolve(key, bidId, null, now);
    }

    /** Records the deployment a placed bid created, and the intent as placed, in one transaction. Repeating it changes nothing. */
    public void recordDeployment(BidIntent intent, Deployment d) {
        inTransaction(c -> {
            insert(c, intent.functionId(), d);
            resolve(c, intent.key(), d.bidId(), null, d.updatedAt());
        });
        epoch.bump();
    }

    /** Records a placed replacement bid of its deployment, and the intent as placed, in one transaction. Repeating it changes nothing. */
    public void recordReplacement(BidIntent intent, UUID bidId, java.time.Instant now) {
        inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO deployment_rebids (deployment_id, bid_id, created_at)"
                    + " VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                s.setObject(1, intent.deploymentId());
                s.setObject(2, bidId);
                s.setTimestamp(3, Timestamp.from(now));
                s.executeUpdate();
            }
            resolve(c, intent.key(), bidId, null, now);
        });
    }

    private void resolve(String key, UUID bidId, String refused, java.time.Instant now) {
        inTransaction(c -> resolve(c, key, bidId, refused, now));
    }

    private static void resolve(Connection c, String key, UUID bidId, String refused, java.time.Instant now)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE bid_intents SET bid_id = ?, refused = ?, resolved_at = ?"
                + " WHERE idempotency_key = ? AND resolved_at IS NULL")) {
            s.setObject(1, bidId);
            s.setString(2, refused);
            s.setTimestamp(3, Timestamp.from(now));
            s.setString(4, key);
            s.executeUpdate();
        }
    }

    private static void insertIntent(Connection c, BidIntent i, String onConflict) throws SQLException {
        insertIntent(c, i, null, null, onConflict);
    }

    private static void insertIntent(Connection c, BidIntent i, String requestKey, String requestDigest, String onConflict)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO bid_intents (idempotency_key, purpose, deployment_id,"
                + " function_id, owner, version, replicas, bid_json, created_at, request_key, request_digest)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" + onConflict)) {
            s.setString(1, i.key());
            s.setString(2, i.purpose().name());
            s.setObject(3, i.deploymentId());
            s.setObject(4, i.functionId());
            s.setString(5, i.owner().value());
            s.setObject(6, i.version(), java.sql.Types.INTEGER);
            s.setInt(7, i.replicas());
            s.setString(8, JsonCodec.write(i.spec()));
            s.setTimestamp(9, Timestamp.from(i.createdAt()));
            s.setString(10, requestKey);
            s.setString(11, requestDigest);
            s.executeUpdate();
        }
    }

    private static List<BidIntent> intents(Connection c, String where, Object arg) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT i.*, f.name FROM bid_intents i JOIN functions f"
                + " ON f.id = i.function_id WHERE " + where + " ORDER BY i.created_at, i.idempotency_key")) {
            s.setObject(1, arg);
            List<BidIntent> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new BidIntent(r.getString("idempotency_key"), BidIntent.Purpose.valueOf(r.getString("purpose")),
                            r.getObject("deployment_id", UUID.class), r.getObject("function_id", UUID.class),
                            r.getString("name"), Address.parse(r.getString("owner")), (Integer) r.getObject("version"),
                            r.getInt("replicas"), JsonCodec.read(r.getString("bid_json"), BidSpec.class),
                            r.getTimestamp("created_at").toInstant()));
                }
            }
            return out;
        }
    }

    /** Work in one transaction on one connection. */
    private interface Work {
        void run(Connection c) throws SQLException, JsonProcessingException;
    }

    private void inTransaction(Work work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                work.run(c);
                c.commit();
            } catch (SQLException | JsonProcessingException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Saves what the marketplace now says about the deployment. */
    public void update(Deployment d) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("UPDATE deployments SET status = ?, reasons = ?, replica_json = ?,"
                        + " updated_at = ? WHERE id = ?")) {
            s.setString(1, d.status().name());
            s.setString(2, String.join(",", d.reasons()));
            s.setString(3, json.writeValueAsString(d.placed()));
            s.setTimestamp(4, Timestamp.from(d.updatedAt()));
            s.setObject(5, d.id());
            s.executeUpdate();
            epoch.bump();
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The function's deployments, newest first. */
    public List<Deployment> list(UUID functionId, String functionName) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT * FROM deployments WHERE function_id = ? ORDER BY created_at DESC, id")) {
            s.setObject(1, functionId);
            List<Deployment> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    String reasons = r.getString("reasons");
                    UUID id = r.getObject("id", UUID.class);
                    out.add(new Deployment(id, functionName, r.getInt("version"),
                            r.getObject("bid_id", UUID.class), r.getInt("replicas"),
                            Deployment.Status.valueOf(r.getString("status")),
                            reasons.isEmpty() ? List.of() : Arrays.asList(reasons.split(",")),
                            json.readValue(r.getString("replica_json"), REPLICAS),
                            r.getTimestamp("created_at").toInstant(), r.getTimestamp("updated_at").toInstant(),
                            scaling(c, id).orElse(null)));
                }
            }
            return out;
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Removes the replica of lease {@code leaseId} from every deployment that still lists it
     * (the lease closed); returns the ids of the deployments that changed. Repeating it changes nothing.
     */
    public List<UUID> dropLease(UUID leaseId, java.time.Instant now) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            List<UUID> changed = new java.util.ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id, replica_json FROM deployments WHERE replica_json LIKE ?"
                    + " AND status IN ('PENDING', 'ACTIVE') FOR UPDATE")) {
                s.setString(1, "%" + leaseId + "%");
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        List<Deployment.Replica> placed = json.readValue(r.getString(2), REPLICAS);
                        List<Deployment.Replica> kept = placed.stream().filter(p -> !p.leaseId().equals(leaseId)).toList();
                        if (kept.size() != placed.size()) {
                            try (PreparedStatement u = c.prepareStatement(
                                    "UPDATE deployments SET replica_json = ?, updated_at = ? WHERE id = ?")) {
                                u.setString(1, json.writeValueAsString(kept));
                                u.setTimestamp(2, Timestamp.from(now));
                                u.setObject(3, r.getObject(1, UUID.class));
                                u.executeUpdate();
                                changed.add(r.getObject(1, UUID.class));
                            }
                        }
                    }
                }
                c.commit();
                if (!changed.isEmpty()) {
                    epoch.bump();
                }
                return changed;
            } catch (SQLException | JsonProcessingException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The leases of every replica of a PENDING or ACTIVE deployment served by the agent at {@code endpoint}. */
    public List<UUID> leasesAt(String endpoint) {
        List<UUID> leases = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT replica_json FROM deployments WHERE status IN ('PENDING', 'ACTIVE') AND replica_json LIKE ?")) {
            s.setString(1, "%" + endpoint + "%");
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    for (Deployment.Replica replica : json.readValue(r.getString(1), REPLICAS)) {
                        if (endpoint.equals(replica.endpoint())) {
                            leases.add(replica.leaseId());
                        }
                    }
                }
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return leases;
    }

    /** The function (owner address, name) a deployment belongs to, if the deployment exists. */
    public java.util.Optional<Map.Entry<String, String>> functionOf(UUID deploymentId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT f.owner, f.name FROM deployments d JOIN functions f ON f.id = d.function_id WHERE d.id = ?")) {
            s.setObject(1, deploymentId);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? java.util.Optional.of(Map.entry(r.getString(1), r.getString(2))) : java.util.Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The agent endpoints of every replica of a PENDING or ACTIVE deployment (what the health checker probes). */
    public java.util.Set<String> liveEndpoints() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT replica_json FROM deployments WHERE status IN ('PENDING', 'ACTIVE')");
                ResultSet r = s.executeQuery()) {
            java.util.Set<String> out = new java.util.HashSet<>();
            while (r.next()) {
                json.readValue(r.getString(1), REPLICAS).forEach(p -> out.add(p.endpoint()));
            }
            return out;
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The replacement bids of a deployment, oldest first. */
    public List<UUID> replacementBids(UUID deploymentId) {
        return ids("SELECT bid_id FROM deployment_rebids WHERE deployment_id = ? ORDER BY created_at, bid_id", deploymentId);
    }

    /** The ids a one-column query of one deployment's rows answers, in its order. */
    private List<UUID> ids(String sql, UUID deploymentId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, deploymentId);
            List<UUID> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(r.getObject(1, UUID.class));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
