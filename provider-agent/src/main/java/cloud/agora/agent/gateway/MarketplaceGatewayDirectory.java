package cloud.agora.agent.gateway;

import cloud.agora.agent.lease.MarketplaceUnavailableException;
import cloud.agora.client.RestClients;
import cloud.agora.protocol.api.MarketplaceGatewayApi;
import cloud.agora.protocol.market.GatewayKeys;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.time.Duration;

/**
 * The marketplace's public {@code GET /api/v1/gateways} ({@link MarketplaceGatewayApi}; no sign-in: the keys are
 * public). Anything but the keys — no connection, no answer within 10 s, an error status, an unreadable body — is
 * {@link MarketplaceUnavailableException}: the agent asks again later.
 */
public final class MarketplaceGatewayDirectory implements GatewayDirectory {

    private final String marketplace;
    private final MarketplaceGatewayApi api;

    public MarketplaceGatewayDirectory(String marketplaceUrl) {
        this.marketplace = marketplaceUrl;
        this.api = RestClients.of(MarketplaceGatewayApi.class, marketplaceUrl, Duration.ofSeconds(10));
    }

    @Override
    public GatewayKeys gateways() {
        try {
            GatewayKeys keys = api.gateways();
            if (keys == null) {
                throw new MarketplaceUnavailableException("the marketplace at " + marketplace + " sent no gateway keys", null);
            }
            return keys;
        } catch (WebApplicationException e) {
            throw new MarketplaceUnavailableException("the marketplace answered " + RestClients.status(e)
                    + " to GET /api/v1/gateways: " + RestClients.body(e, 300), e);
        } catch (ProcessingException e) {
            throw new MarketplaceUnavailableException("cannot read the gateway keys from the marketplace at " + marketplace
                    + ": " + e.getMessage(), e);
        }
    }
}
