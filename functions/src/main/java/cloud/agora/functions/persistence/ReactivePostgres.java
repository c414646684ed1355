package cloud.agora.functions.persistence;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A small pool of non-blocking connections to the service's own database (Vert.x's PostgreSQL client), for the one
 * statement that runs on an event loop: a call recorded alone ({@link InvocationStore#recordAlone}). It connects where
 * the JDBC data source does ({@code quarkus.datasource.jdbc.url}, its user and password; {@code sslmode} is read from
 * the URL), so a deployment sets its database once. Connections are opened on first use. As with the JDBC driver,
 * {@code allow}, {@code prefer} and {@code require} encrypt without checking the server's certificate; with
 * {@code verify-ca} or {@code verify-full} this client is not used ({@link #usable}: the JDBC driver's certificate
 * settings are its own), and every call is recorded by the recorder's thread.
 */
@ApplicationScoped
public class ReactivePostgres {

    /** The {@code application_name} of these connections (what {@code pg_stat_activity} shows of them). */
    public static final String APPLICATION_NAME = "agora-functions-recording-alone";

    /** Connections kept: a call is recorded alone only while no other is (the recorder's thread takes the rest). */
    static final int MAX_SIZE = 2;

    private final Vertx vertx;
    private final PgConnectOptions options;
    private volatile Pool pool;

    public ReactivePostgres(Vertx vertx, @ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        this.options = options(jdbcUrl, user, password);
    }

    /** The connect options of a {@code jdbc:postgresql://} URL, with the user and password given apart. */
    static PgConnectOptions options(String jdbcUrl, Optional<String> user, Optional<String> password) {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("quarkus.datasource.jdbc.url must be a jdbc:postgresql:// URL: " + jdbcUrl);
        }
        PgConnectOptions options = PgConnectOptions.fromUri(jdbcUrl.substring("jdbc:".length()));
        user.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        if (options.getSslMode() == SslMode.ALLOW || options.getSslMode() == SslMode.PREFER
                || options.getSslMode() == SslMode.REQUIRE) {
            options.setTrustAll(true);
        }
        return options.setCachePreparedStatements(true).addProperty("application_name", APPLICATION_NAME);
    }

    /** Whether calls may be recorded with this client: not when the URL asks for the server's certificate checked. */
    public boolean usable() {
        return options.getSslMode() != SslMode.VERIFY_CA && options.getSslMode() != SslMode.VERIFY_FULL;
    }

    /** The pool, opened on first use. */
    public Pool pool() {
        Pool open = pool;
        if (open == null) {
            synchronized (this) {
                if (pool == null) {
                    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(MAX_SIZE)).connectingTo(options).using(vertx)
                            .build();
                }
                open = pool;
            }
        }
        return open;
    }

    @PreDestroy
    void close() {
        Pool open = pool;
        if (open != null) {
            open.close();
        }
    }
}
