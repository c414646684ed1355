package cloud.agora.agent.gateway;

import cloud.agora.agent.lease.MarketplaceUnavailableException;
import cloud.agora.protocol.market.GatewayKeys;

/**
 * Where the platform publishes its gateway keys (the marketplace's {@code GET /api/v1/gateways}), for an agent that
 * is not configured with them.
 */
public interface GatewayDirectory {

    /**
     * The keys published now.
     *
     * @throws MarketplaceUnavailableException when they cannot be read
     */
    GatewayKeys gateways();

    /** No directory (no marketplace configured): nothing can be learnt. */
    GatewayDirectory NONE = () -> {
        throw new MarketplaceUnavailableException("no marketplace configured (agent.marketplace.url)",
                null);
    };
}
