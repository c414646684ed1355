package cloud.agora.support.events;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Signed events: this service's own signing key, and the producers whose topics it reads. */
@ConfigMapping(prefix = "agora.events")
public interface EventsConfig {

    /** A hex secp256k1 key file this service signs the records it publishes with; none: its records go unsigned. */
    Optional<String> keyFile();

    /** A follower's first retry of a record it failed to handle ({@link Following}); the next ones double. */
    @WithDefault("PT0.25S")
    Duration firstRetry();

    /** Per producing service, the addresses whose signatures its topics must carry. */
    Producers producers();

    /** Each service's event-signing addresses; a service left out is not checked. */
    interface Producers {
        /** {@code marketplace.*} topics (leases, offers). */
        Optional<List<String>> marketplace();

        /** {@code billing.*} topics (credit decisions, settlements). */
        Optional<List<String>> billing();

        /** {@code governance.*} topics (parameter changes). */
        Optional<List<String>> governance();

        /** {@code functions.*} topics (queued invocations). */
        Optional<List<String>> functions();
    }
}
