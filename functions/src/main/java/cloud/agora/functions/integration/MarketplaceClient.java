package cloud.agora.functions.integration;

import cloud.agora.protocol.api.MarketplaceBrokerApi;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The marketplace's broker endpoints deployments use ({@code protocol}'s API), called with the developer's own token. */
@RegisterRestClient(configKey = "marketplace")
@Path("/api/v1")
public interface MarketplaceClient extends MarketplaceBrokerApi {
}
