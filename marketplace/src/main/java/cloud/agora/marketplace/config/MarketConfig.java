package cloud.agora.marketplace.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import cloud.agora.protocol.eth.Address;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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

    /** The platform's gateway keys the marketplace publishes at {@code GET /api/v1/gateways}. */
    Gateways gateways();

    /** Providers' reputation from witnessed evidence. */
    Reputation reputation();

    interface Reputation {

        /** How far back the evidence reaches (governed: {@code marketplace.reputation-window}). */
        @WithDefault("7d")
        Duration window();

        /** How often the writer recomputes every provider's score for matching. */
        @WithDefault("10s")
        Duration refreshInterval();

        /** The provider overhead (p95, gateway-observed latency minus the receipt's wall time) that costs no score. */
        @WithDefault("250ms")
        Duration overheadTarget();

        /** How often the writer publishes a reputation snapshot. */
        @WithDefault("1h")
        Duration snapshotInterval();

        /**
         * How long evidence is kept (hourly rows and the ids of what was counted): at least the longest window
         * governance may set ({@code marketplace.reputation-window} goes up to 90 days).
         */
        @WithDefault("90d")
        Duration retention();
    }

    /**
     * Whose grants agents should trust. Agents configured with their own lists ({@code agent.gateways.*}) use those;
     * the others learn them here. An address that does not parse (or has a wrong EIP-55 checksum) fails startup,
     * so a typo is never published.
     */
    interface Gateways {

        /** The functions gateways' addresses ({@code AGORA_MARKET_GATEWAYS_FUNCTIONS}, comma-separated). */
        Optional<List<Address>> functions();

        /** The storage gateways' addresses ({@code AGORA_MARKET_GATEWAYS_STORAGE}, comma-separated). */
        Optional<List<Address>> storage();
    }
}
