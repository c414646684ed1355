package cloud.agora.functions.persistence;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * A small pool of non-blocking connections to the service's own database (Vert.x's PostgreSQL client), for the one
 * statement that runs on an event loop: a call recorded alone ({@link InvocationStore#recordAlone}). It connects where
 * the JDBC data source does ({@code quarkus.datasource.jdbc.url}, its user and password), so a deployment sets its
 * database once — when the URL says nothing this client would read differently from the JDBC driver: a single
 * {@code host:port/database} and at most an {@code sslmode} of {@code disable}, {@code allow}, {@code prefer} (the
 * default, as for the driver) or {@code require}, which encrypt without checking the server's certificate as the
 * driver does. Any other URL ({@code verify-ca}/{@code verify-full}, {@code ssl=true}, several hosts, a schema, a
 * socket factory, ...) leaves this client unused ({@link #usable}) and every call recorded by the recorder's thread.
 * The pool is built at start, outside any event loop (its life is the Vert.x instance's, which closes it last).
 */
@ApplicationScoped
public class ReactivePostgres {

    private static final Logger LOG = Logger.getLogger(ReactivePostgres.class);

    /** The {@code application_name} of these connections (what {@code pg_stat_activity} shows of them). */
    public static final String APPLICATION_NAME = "agora-functions-recording-alone";

    /** Connections kept: a call is recorded alone only while no other is (the recorder's thread takes the rest). */
    static final int MAX_SIZE = 2;

    /** A statement not answered within this is given up (the call goes to the recorder's thread): a silent server. */
    static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);

    private static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require");

    private final Vertx vertx;
    private final Optional<PgConnectOptions> options;
    private volatile Pool pool;

    public ReactivePostgres(Vertx vertx, @ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        this.options = options(jdbcUrl, user, password);
        if (options.isEmpty()) {
            LOG.infof("the data source's URL has settings this gateway's non-blocking client does not read as the JDBC"
                    + " driver does: every call is recorded by the recorder's thread");
        }
    }

    /**
     * The connect options of a {@code jdbc:postgresql://host:port/database} URL with at most an {@code sslmode} that
     * needs no certificate, the user and password given apart; empty for any other URL.
     */
    static Optional<PgConnectOptions> options(String jdbcUrl, Optional<String> user, Optional<String> password) {
        URI uri;
        try {
            uri = jdbcUrl.startsWith("jdbc:postgresql://") ? URI.create(jdbcUrl.substring("jdbc:".length())) : null;
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (uri == null || uri.getHost() == null || uri.getUserInfo() != null || uri.getPath() == null
                || uri.getPath().length() < 2 || uri.getPath().indexOf('/', 1) >= 0 || uri.getFragment() != null) {
            return Optional.empty();
        }
        String sslMode = "prefer"; // the JDBC driver's default
        if (uri.getRawQuery() != null) {
            for (String parameter : uri.getRawQuery().split("&")) {
                String[] pair = parameter.split("=", 2);
                if (pair.length != 2 || !pair[0].equals("sslmode") || !SSL_MODES.contains(pair[1])) {
                    return Optional.empty();
                }
                sslMode = pair[1];
            }
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        PgConnectOptions options = new PgConnectOptions().setHost(host)
                .setPort(uri.getPort() < 0 ? PgConnectOptions.DEFAULT_PORT : uri.getPort())
                .setDatabase(uri.getPath().substring(1)).setSslMode(SslMode.of(sslMode));
        if (options.getSslMode() != SslMode.DISABLE) {
            options.setTrustAll(true);
        }
        user.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        options.setCachePreparedStatements(true).addProperty("application_name", APPLICATION_NAME);
        return Optional.of(options);
    }

    void start(@Observes StartupEvent event) {
        options.ifPresent(o -> pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(MAX_SIZE)).connectingTo(o)
                .using(vertx).build());
    }

    /** Whether calls may be recorded with this client (see the class). */
    public boolean usable() {
        return options.isPresent();
    }

    /** The pool; only when {@link #usable}, after the service started. */
    Pool pool() {
        Pool open = pool;
        if (open == null) {
            throw new IllegalStateException("the non-blocking PostgreSQL client is not started");
        }
        return open;
    }

    /**
     * {@code statement}'s outcome, or a {@link TimeoutException} once {@link #STATEMENT_TIMEOUT} passed without one (a
     * timer of the calling event loop: no thread is woken for it).
     */
    <T> CompletionStage<T> bounded(Future<T> statement) {
        CompletableFuture<T> outcome = new CompletableFuture<>();
        long timer = vertx.setTimer(STATEMENT_TIMEOUT.toMillis(), fired -> outcome.completeExceptionally(
                new TimeoutException("PostgreSQL did not answer within " + STATEMENT_TIMEOUT.toSeconds() + " s")));
        statement.onComplete(result -> {
            vertx.cancelTimer(timer);
            if (result.succeeded()) {
                outcome.complete(result.result());
            } else {
                outcome.completeExceptionally(result.cause());
            }
        });
        return outcome;
    }
}
