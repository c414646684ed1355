package cloud.agora.governance.persistence;

import java.sql.SQLException;

/** The database failed (a 500: not the client's doing). */
public class StoreException extends RuntimeException {

    public StoreException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
