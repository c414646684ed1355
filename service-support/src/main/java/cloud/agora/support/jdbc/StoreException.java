package cloud.agora.support.jdbc;

import java.sql.SQLException;

/** The database failed; the transaction was rolled back and the work can be retried. */
public class StoreException extends RuntimeException {

    public StoreException(SQLException cause) {
        super("database: " + cause.getMessage(), cause);
    }

    /**
     * Whether the same work may succeed later: anything but the database refusing the data or the statement itself
     * (SQLSTATE classes 22 data exception, 23 integrity constraint violation, 42 syntax error or access rule). A
     * database that is unreachable, restarting, shutting down or out of connections (08, 57P, 53, no state from the
     * pool) is transient.
     */
    public boolean isTransient() {
        String state = ((SQLException) getCause()).getSQLState();
        return state == null || !(state.startsWith("22") || state.startsWith("23") || state.startsWith("42"));
    }
}
