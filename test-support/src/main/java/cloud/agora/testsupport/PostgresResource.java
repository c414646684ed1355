package cloud.agora.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Gives the Quarkus application under test its own fresh database on a real PostgreSQL
 * server ({@link PostgresServer}): JDBC datasource settings and Flyway at start.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        PostgresServer.Database database = PostgresServer.newDatabase();
        return Map.of(
                "quarkus.datasource.db-kind", "postgresql",
                "quarkus.datasource.jdbc.url", database.jdbcUrl(),
                "quarkus.datasource.username", database.user(),
                "quarkus.datasource.password", database.password());
    }

    @Override
    public void stop() {
        // the server lives for the whole test JVM; each application gets a new database
    }
}
