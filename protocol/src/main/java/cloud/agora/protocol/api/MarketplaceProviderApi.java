package cloud.agora.protocol.api;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.OfferView;
import cloud.agora.protocol.market.ProviderRegistration;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The marketplace's provider endpoints a provider agent uses to join and stay listed, signed in as the provider
 * ({@code authorization} is {@code Bearer <token>} from {@link SignInApi}). The lease stream
 * ({@code GET /api/v1/providers/{address}/leases/stream}, server-sent events) is not here: it is one long-lived
 * response, read line by line.
 */
@Path("/api/v1/providers")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface MarketplaceProviderApi {

    /** Registers the signed-in provider (201) or updates its registration. */
    @POST
    OfferView register(@HeaderParam("Authorization") String authorization, ProviderRegistration registration);

    /** A provider's listing, public. */
    @GET
    @Path("/{address}")
    OfferView provider(@PathParam("address") Address address);

    /** Publishes the provider's offer, replacing the one before. */
    @PUT
    @Path("/{address}/offer")
    OfferView publishOffer(@HeaderParam("Authorization") String authorization, @PathParam("address") Address address,
            OfferSpec offer);

    /** The provider is alive, with its free capacity. */
    @POST
    @Path("/{address}/heartbeat")
    OfferView heartbeat(@HeaderParam("Authorization") String authorization, @PathParam("address") Address address,
            Heartbeat heartbeat);
}
