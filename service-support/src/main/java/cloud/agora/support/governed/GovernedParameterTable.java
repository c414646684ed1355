package cloud.agora.support.governed;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A service's record of governance's decisions about its parameters ({@code governance.decisions.v1}): the latest
 * {@code effective_at} per parameter wins, whatever order decisions arrive in. Each service creates the table in its
 * own schema with its own Flyway migration ({@code governed_parameters}: name primary key, value, unit,
 * effective_at, proposal_id, event_id).
 */
@ApplicationScoped
public class GovernedParameterTable {

    /**
     * Records a value unless a decision at least as recent is already recorded.
     *
     * @return whether the recorded value changed
     */
    public boolean record(Connection c, String name, String value, String unit, Instant effectiveAt, long proposalId,
            String eventId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO governed_parameters (name, value, unit, effective_at, proposal_id, event_id)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value, unit = excluded.unit,
                    effective_at = excluded.effective_at, proposal_id = excluded.proposal_id, event_id = excluded.event_id
                WHERE governed_parameters.effective_at < excluded.effective_at""")) {
            s.setString(1, name);
            s.setString(2, value);
            s.setString(3, unit);
            s.setTimestamp(4, Timestamp.from(effectiveAt));
            s.setLong(5, proposalId);
            s.setString(6, eventId);
            return s.executeUpdate() == 1;
        }
    }

    /** The recorded value of one parameter, if governance ever set it. */
    public java.util.Optional<String> value(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT value FROM governed_parameters WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? java.util.Optional.of(r.getString(1)) : java.util.Optional.empty();
            }
        }
    }

    /** Every recorded value by parameter name. */
    public Map<String, String> all(Connection c) throws SQLException {
        Map<String, String> values = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT name, value FROM governed_parameters");
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                values.put(r.getString(1), r.getString(2));
            }
        }
        return values;
    }
}
