package cloud.agora.functions.persistence;

import cloud.agora.functions.domain.Deployment;
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
import java.util.UUID;

/** Deployments in PostgreSQL (plain JDBC). */
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

    /** Records a new deployment of {@code functionId}. */
    public void insert(UUID functionId, Deployment d) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("INSERT INTO deployments (id, function_id, version, bid_id, replicas,"
                        + " status, reasons, replica_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
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
            epoch.bump();
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
                    out.add(new Deployment(r.getObject("id", UUID.class), functionName, r.getInt("version"),
                            r.getObject("bid_id", UUID.class), r.getInt("replicas"),
                            Deployment.Status.valueOf(r.getString("status")),
                            reasons.isEmpty() ? List.of() : Arrays.asList(reasons.split(",")),
                            json.readValue(r.getString("replica_json"), REPLICAS),
                            r.getTimestamp("created_at").toInstant(), r.getTimestamp("updated_at").toInstant()));
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
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT bid_id FROM deployment_rebids WHERE deployment_id = ? ORDER BY created_at, bid_id")) {
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

    /** Records a replacement bid placed for a deployment. */
    public void addReplacementBid(UUID deploymentId, UUID bidId, java.time.Instant now) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "INSERT INTO deployment_rebids (deployment_id, bid_id, created_at) VALUES (?, ?, ?)")) {
            s.setObject(1, deploymentId);
            s.setObject(2, bidId);
            s.setTimestamp(3, Timestamp.from(now));
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
