package cloud.agora.marketplace.domain;

import cloud.agora.marketplace.config.MarketConfig;
import cloud.agora.marketplace.persistence.MarketStore;
import cloud.agora.protocol.governance.ParameterChanged;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The market's governed rules in effect: the configured defaults, overridden by governance's
 * decisions (recorded, so they survive restarts). Applying a decision is idempotent and the
 * later {@code effectiveAt} wins, whatever order decisions arrive in.
 */
@ApplicationScoped
public class MarketRules {

    /** A provider silent longer gets no new leases. */
    public static final String HEARTBEAT_TIMEOUT = "marketplace.heartbeat-timeout";
    /** The longest time to live of a bid. */
    public static final String MAX_BID_LIFETIME = "marketplace.max-bid-lifetime";
    /** How far back the evidence of a provider's reputation reaches. */
    public static final String REPUTATION_WINDOW = "marketplace.reputation-window";

    private static final Logger LOG = Logger.getLogger(MarketRules.class);

    private final MarketStore store;
    private final MarketConfig config;

    public MarketRules(MarketStore store, MarketConfig config) {
        this.store = store;
        this.config = config;
    }

    /** The heartbeat timeout in effect. */
    public Duration heartbeatTimeout() {
        return governed(HEARTBEAT_TIMEOUT, config.heartbeatTimeout());
    }

    /** The maximum bid lifetime in effect. */
    public Duration maxBidLifetime() {
        return governed(MAX_BID_LIFETIME, config.maxBidLifetime());
    }

    /** The reputation window in effect. */
    public Duration reputationWindow() {
        return governed(REPUTATION_WINDOW, config.reputation().window());
    }

    /** Every governed rule and its value in effect (ISO-8601 durations). */
    public Map<String, String> inEffect() {
        return Map.of(HEARTBEAT_TIMEOUT, heartbeatTimeout().toString(), MAX_BID_LIFETIME, maxBidLifetime().toString(),
                REPUTATION_WINDOW, reputationWindow().toString());
    }

    /**
     * Records a decision if it is about this market and newer than what is in effect.
     *
     * @return whether the value in effect changed
     */
    public boolean apply(String eventId, ParameterChanged decision) throws SQLException {
        if (!HEARTBEAT_TIMEOUT.equals(decision.name()) && !MAX_BID_LIFETIME.equals(decision.name())
                && !REPUTATION_WINDOW.equals(decision.name())) {
            return false;
        }
        Duration value;
        try {
            value = decision.durationValue();
        } catch (IllegalStateException | DateTimeParseException e) {
            LOG.warnf("ignoring decision %s: %s is not a duration (%s)", eventId, decision.name(), decision.value());
            return false;
        }
        if (value.isNegative() || value.isZero()) {
            LOG.warnf("ignoring decision %s: %s must be positive, got %s", eventId, decision.name(), value);
            return false;
        }
        return store.recordGoverned(decision.name(), value.toString(), decision.unit(), decision.effectiveAt(),
                decision.proposalId(), eventId);
    }

    private Duration governed(String name, Duration fallback) {
        try {
            return store.governed(name).map(Duration::parse).orElse(fallback);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the governed rule " + name, e);
        }
    }
}
