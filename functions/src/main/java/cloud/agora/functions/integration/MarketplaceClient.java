package cloud.agora.functions.integration;

import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.IdempotencyKeys;
import cloud.agora.protocol.market.LeaseClose;
import cloud.agora.protocol.market.LeaseView;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The marketplace endpoints deployments use, called with the developer's own token. */
@RegisterRestClient(configKey = "marketplace")
@Path("/api/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface MarketplaceClient {

    @POST
    @Path("/bids")
    BidView placeBid(@HeaderParam("Authorization") String authorization,
            @HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey, BidSpec bid);

    @GET
    @Path("/bids/{id}")
    BidView bid(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id);

    @DELETE
    @Path("/bids/{id}")
    BidView cancelBid(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id);

    @GET
    @Path("/leases/{id}")
    LeaseView lease(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id);

    @POST
    @Path("/leases/{id}/close")
    LeaseView closeLease(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id, LeaseClose close);
}
