package cloud.agora.support.writer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The single-writer role of a service whose state must have one writer (the marketplace's book, governance's
 * decision loop): a PostgreSQL session advisory lock plus a fence epoch ({@link SingleWriter}).
 */
@ConfigMapping(prefix = "agora.single-writer")
public interface SingleWriterConfig {

    /**
     * Whether this service holds the writer role through the database. Off, every instance is the writer and the
     * fence checks nothing (the services that may run many instances).
     */
    @WithDefault("false")
    boolean enabled();

    /**
     * The role's name: the advisory lock's key is derived from it and it is the fence row's key. Default: the
     * application's name ({@code quarkus.application.name}).
     */
    Optional<String> name();

    /**
     * How often the writer checks its lock connection, and a standby tries to take the lock. A writer whose
     * connection died stops being the writer at the next check.
     */
    @WithDefault("1s")
    Duration checkInterval();

    /**
     * Connect, socket and query timeout of the lock connection: a check that does not answer within it counts as a
     * lost connection.
     */
    @WithDefault("3s")
    Duration timeout();

    /** The {@code Retry-After} a refused write carries. */
    @WithDefault("5s")
    Duration retryAfter();
}
