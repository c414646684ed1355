package cloud.agora.functions.persistence;

import cloud.agora.functions.domain.bundle.BundleInspector;
import cloud.agora.functions.domain.bundle.BundleStore.StoredBundle;
import cloud.agora.functions.domain.catalog.EnvVar;
import cloud.agora.functions.domain.catalog.FunctionNameTakenException;
import cloud.agora.functions.domain.catalog.FunctionRuntime;
import cloud.agora.functions.domain.catalog.FunctionSpec;
import cloud.agora.functions.domain.catalog.FunctionSummary;
import cloud.agora.functions.domain.catalog.FunctionVersion;
import cloud.agora.functions.domain.catalog.RegisteredFunction;
import cloud.agora.functions.domain.catalog.SecretSealer;
import cloud.agora.protocol.eth.Address;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Functions, their versions and env in PostgreSQL (plain JDBC; each method is one transaction). */
@ApplicationScoped
public class FunctionStore {

    private final AgroalDataSource dataSource;
    private final RoutingEpoch epoch;

    public FunctionStore(AgroalDataSource dataSource, RoutingEpoch epoch) {
        this.dataSource = dataSource;
        this.epoch = epoch;
    }

    /** The function named {@code name}, whoever owns it. */
    public Optional<RegisteredFunction> find(String name) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT id, name, owner, created_at FROM functions WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(row(r)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Records a new version of {@code spec.name()} for {@code owner}, creating the function if
     * needed, in one transaction: the version number is the previous highest + 1.
     *
     * @throws FunctionNameTakenException if another owner holds the name
     */
    public int addVersion(Address owner, FunctionSpec spec, StoredBundle bundle, BundleInspector.Summary summary,
            SecretSealer sealer, Instant now) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                int version = addVersion(c, owner, spec, bundle, summary, sealer, now);
                c.commit();
                epoch.bump();
                return version;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                if (e instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                    // a concurrent first version of the same name by someone else
                    throw new FunctionNameTakenException("the name '" + spec.name() + "' was just taken",
                            Map.of("function", spec.name()));
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private int addVersion(Connection c, Address owner, FunctionSpec spec, StoredBundle bundle,
            BundleInspector.Summary summary, SecretSealer sealer, Instant now) throws SQLException {
        UUID id;
        try (PreparedStatement s = c.prepareStatement("SELECT id, owner FROM functions WHERE name = ? FOR UPDATE")) {
            s.setString(1, spec.name());
            try (ResultSet r = s.executeQuery()) {
                if (r.next()) {
                    if (!r.getString("owner").equals(owner.checksummed())) {
                        throw new FunctionNameTakenException("the name '" + spec.name() + "' belongs to another developer",
                                Map.of("function", spec.name()));
                    }
                    id = r.getObject("id", UUID.class);
                } else {
                    id = UUID.randomUUID();
                    try (PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO functions (id, name, owner, created_at) VALUES (?, ?, ?, ?)")) {
                        insert.setObject(1, id);
                        insert.setString(2, spec.name());
                        insert.setString(3, owner.checksummed());
                        insert.setTimestamp(4, Timestamp.from(now));
                        insert.executeUpdate();
                    }
                }
            }
        }
        int version;
        try (PreparedStatement s = c.prepareStatement(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM function_versions WHERE function_id = ?")) {
            s.setObject(1, id);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                version = r.getInt(1);
            }
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO function_versions (function_id, version, runtime, entrypoint,"
                + " memory_mib, cpu_millis, timeout_millis, max_concurrency, bundle_cid, bundle_bytes, bundle_files, created_at,"
                + " mode, command) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setObject(1, id);
            s.setInt(2, version);
            s.setString(3, spec.runtime());
            s.setString(4, spec.entrypoint());
            s.setInt(5, spec.memoryMiB());
            s.setInt(6, spec.cpuMillis());
            s.setInt(7, spec.timeoutMillis());
            s.setInt(8, spec.maxConcurrency());
            s.setString(9, bundle.cid());
            s.setLong(10, summary.bytes());
            s.setInt(11, summary.files());
            s.setTimestamp(12, Timestamp.from(now));
            s.setString(13, spec.mode());
            s.setArray(14, c.createArrayOf("text", spec.command().toArray()));
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO function_env (function_id, version, name, plain_value, sealed) VALUES (?, ?, ?, ?, ?)")) {
            for (EnvVar variable : spec.env()) {
                s.setObject(1, id);
                s.setInt(2, version);
                s.setString(3, variable.name());
                if (variable.secret()) {
                    s.setString(4, null);
                    s.setBytes(5, sealer.seal(variable.value(), slot(id, version, variable.name())));
                } else {
                    s.setString(4, variable.value());
                    s.setBytes(5, null);
                }
                s.addBatch();
            }
            s.executeBatch();
        }
        return version;
    }

    /** The associated data binding a sealed value to its place. */
    public static String slot(UUID functionId, int version, String name) {
        return functionId + "/" + version + "/" + name;
    }

    /** The owner's functions, by name. */
    public List<FunctionSummary> list(Address owner) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT f.name, f.owner, f.created_at, MAX(v.version) AS latest,"
                        + " COUNT(v.version) AS versions FROM functions f JOIN function_versions v ON v.function_id = f.id"
                        + " WHERE f.owner = ? GROUP BY f.id ORDER BY f.name")) {
            s.setString(1, owner.checksummed());
            List<FunctionSummary> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new FunctionSummary(r.getString("name"), Address.parse(r.getString("owner")), r.getInt("latest"),
                            r.getInt("versions"), r.getTimestamp("created_at").toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every version of the function, oldest first; secret values are left out. */
    public List<FunctionVersion> versions(RegisteredFunction function) {
        try (Connection c = dataSource.getConnection()) {
            Map<Integer, List<EnvVar>> env = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT version, name, plain_value, sealed IS NOT NULL AS secret"
                    + " FROM function_env WHERE function_id = ? ORDER BY version, name")) {
                s.setObject(1, function.id());
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        boolean secret = r.getBoolean("secret");
                        env.computeIfAbsent(r.getInt("version"), v -> new ArrayList<>())
                                .add(new EnvVar(r.getString("name"), secret ? null : r.getString("plain_value"), secret));
                    }
                }
            }
            List<FunctionVersion> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT * FROM function_versions WHERE function_id = ? ORDER BY version")) {
                s.setObject(1, function.id());
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        int version = r.getInt("version");
                        out.add(new FunctionVersion(function.name(), version, r.getString("runtime"), r.getString("entrypoint"),
                                r.getInt("memory_mib"), r.getInt("cpu_millis"), r.getInt("timeout_millis"),
                                r.getInt("max_concurrency"), r.getString("bundle_cid"), r.getLong("bundle_bytes"),
                                r.getInt("bundle_files"), List.copyOf(env.getOrDefault(version, List.of())),
                                r.getTimestamp("created_at").toInstant(), r.getString("mode"),
                                command(r.getArray("command"), r.getString("runtime"), r.getString("entrypoint"))));
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The secret values of one version, opened (for the invocation path only; never returned by the API). */
    public Map<String, String> openSecrets(RegisteredFunction function, int version, SecretSealer sealer) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT name, sealed FROM function_env"
                        + " WHERE function_id = ? AND version = ? AND sealed IS NOT NULL")) {
            s.setObject(1, function.id());
            s.setInt(2, version);
            Map<String, String> out = new HashMap<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.put(r.getString("name"), sealer.open(r.getBytes("sealed"), slot(function.id(), version, r.getString("name"))));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes the function with its versions and env. */
    public void delete(RegisteredFunction function) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("DELETE FROM functions WHERE id = ?")) {
            s.setObject(1, function.id());
            s.executeUpdate();
            epoch.bump();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RegisteredFunction row(ResultSet r) throws SQLException {
        return new RegisteredFunction(r.getObject("id", UUID.class), r.getString("name"),
                Address.parse(r.getString("owner")), r.getTimestamp("created_at").toInstant());
    }

    /** A version's command; versions published before commands were stored run their runtime's default. */
    private static List<String> command(java.sql.Array stored, String runtime, String entrypoint) throws SQLException {
        if (stored == null) {
            return FunctionRuntime.byId(runtime).orElse(FunctionRuntime.SHELL).command(entrypoint);
        }
        return List.of((String[]) stored.getArray());
    }
}
