package cloud.agora.support.jdbc;

import java.sql.SQLException;

/** The database failed; the transaction was rolled back and the work can be retried. */
public class StoreException extends RuntimeException {

    public StoreException(SQLException cause) {
        super("database: " + cause.getMessage(), cause);
    }
}
