package cloud.agora.protocol.api;

import cloud.agora.protocol.market.GatewayKeys;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The marketplace's public directory of the platform's gateway keys: whose grants an agent accepts. No sign-in. */
@Path("/api/v1/gateways")
@Produces(MediaType.APPLICATION_JSON)
public interface MarketplaceGatewayApi {

    /** The functions and storage gateways' addresses. */
    @GET
    GatewayKeys gateways();
}
