package cloud.agora.functions.api;

import io.agroal.api.AgroalDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Row counts of every table this service writes, to show that a refused request changed nothing. The outbox counts the
 * events ever written (its sequence): the relay deletes published rows at any moment.
 */
final class Rows {

    private Rows() {
    }

    static List<Long> counts(AgroalDataSource dataSource) {
        List<Long> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("functions", "function_versions", "function_env", "deployments", "invocations",
                    "function_logs", "async_invocations")) {
                try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    r.next();
                    out.add(r.getLong(1));
                }
            }
            try (ResultSet r = s.executeQuery("SELECT last_value FROM outbox_seq_seq")) {
                r.next();
                out.add(r.getLong(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        out.add((long) StorageGatewayStub.OBJECTS.size());
        out.add((long) MarketplaceStub.BIDS.size());
        return out;
    }
}
