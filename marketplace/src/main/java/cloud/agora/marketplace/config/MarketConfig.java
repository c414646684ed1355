package cloud.agora.marketplace.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The marketplace's rules. Values marked "governed" are changed by governance at run time. */
@ConfigMapping(prefix = "agora.market")
public interface MarketConfig {

    /** A provider silent for longer is unavailable and gets no new leases (governed). */
    @WithDefault("30s")
    Duration heartbeatTimeout();

    /** The most replicas one bid may ask for. */
    @WithDefault("16")
    int maxReplicas();

    /** The longest a bid may rest in the book (governed). */
    @WithDefault("7d")
    Duration maxBidLifetime();

    /** The time to live of a bid that names none. */
    @WithDefault("1h")
    Duration defaultBidLifetime();

    /** How often resting bids are checked for expiry. */
    @WithDefault("1s")
    Duration expiryInterval();
}
