package cloud.agora.governance.api;

import io.agroal.api.AgroalDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Row counts, for asserting that refused input changed nothing. */
final class Db {

    private Db() {
    }

    /**
     * Rows in proposal, proposal_change, vote, parameter_history, and the events ever written to the outbox (its
     * sequence: the relay deletes published rows at any moment).
     */
    static List<Long> counts(AgroalDataSource dataSource) throws SQLException {
        List<Long> counts = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("proposal", "proposal_change", "vote", "parameter_history")) {
                try (ResultSet rows = s.executeQuery("SELECT count(*) FROM " + table)) {
                    rows.next();
                    counts.add(rows.getLong(1));
                }
            }
            try (ResultSet rows = s.executeQuery("SELECT last_value FROM outbox_seq_seq")) {
                rows.next();
                counts.add(rows.getLong(1));
            }
        }
        return counts;
    }

    static long votes(AgroalDataSource dataSource, long proposalId) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT count(*) FROM vote WHERE proposal_id = " + proposalId)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
