package cloud.agora.support.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The transactional outbox relay. */
@ConfigMapping(prefix = "agora.outbox")
public interface OutboxConfig {

    /** Whether this instance publishes outbox rows to Kafka. */
    @WithDefault("true")
    boolean enabled();

    /**
     * How often the relay looks for rows it was not told about; at least 1 s (Quarkus's scheduler checks its triggers
     * once a second: a shorter interval acts as 1 s).
     */
    @WithDefault("1s")
    Duration interval();

    /** The most rows published per transaction. */
    @WithDefault("500")
    int batchSize();

    /** How long to wait for the broker to acknowledge a batch before trying again later. */
    @WithDefault("15s")
    Duration sendTimeout();
}
