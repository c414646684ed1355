package cloud.agora.marketplace.api;

import cloud.agora.marketplace.config.MarketConfig;
import cloud.agora.protocol.market.GatewayKeys;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The platform's gateway keys, public: an agent that is not configured with them learns here whose invocation and
 * storage grants to accept. Read from configuration ({@code agora.market.gateways.*}); the marketplace does not
 * learn or change them at run time.
 */
@Path("/api/v1/gateways")
@Produces(MediaType.APPLICATION_JSON)
public class GatewayResource {

    private final GatewayKeys keys;

    public GatewayResource(MarketConfig config) {
        this.keys = new GatewayKeys(config.gateways().functions().orElse(List.of()),
                config.gateways().storage().orElse(List.of()));
    }

    @GET
    @Operation(summary = "The platform's gateway keys",
            description = "Addresses of the functions gateways (they sign invocation grants and witness receipts) and "
                    + "of the storage gateways (they sign storage grants). Public; no sign-in.")
    public GatewayKeys keys() {
        return keys;
    }
}
