package cloud.agora.support.jdbc;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;

/** Runs JDBC work in one database transaction (the platform's persistence convention: plain JDBC, no ORM); shared by every service. */
@ApplicationScoped
public class Transactions {

    private final AgroalDataSource dataSource;

    public Transactions(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} in a transaction: committed when it returns, rolled back when it throws. */
    public <T> T inTransaction(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /**
     * Runs {@code work} in auto-commit: each statement commits on its own (a single statement that changes several
     * tables is still all or nothing, and costs one round trip where a transaction adds a commit's).
     */
    public <T> T autoCommitted(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            return work.run(connection);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** Runs read-only {@code work} (auto-commit). */
    public <T> T read(Work<T> work) {
        return autoCommitted(work);
    }
}
