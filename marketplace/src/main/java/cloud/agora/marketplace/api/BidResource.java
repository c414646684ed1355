package cloud.agora.marketplace.api;

import cloud.agora.marketplace.domain.BidPlacer;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidView;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.sql.SQLException;
import java.util.UUID;

/** Developers' bids: place, read (with unmatched reasons), cancel. Owner only. */
@Path("/api/v1/bids")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@SignedIn
public class BidResource {

    private final BidPlacer placer;
    private final Caller caller;

    public BidResource(BidPlacer placer, Caller caller) {
        this.placer = placer;
        this.caller = caller;
    }

    @POST
    public Response place(BidSpec bid) {
        BidView placed = placer.place(caller.address(), bid);
        return Response.created(URI.create("/api/v1/bids/" + placed.id())).entity(placed).build();
    }

    @GET
    @Path("/{id}")
    public BidView get(@PathParam("id") UUID id) throws SQLException {
        return placer.get(caller.address(), id);
    }

    @DELETE
    @Path("/{id}")
    public BidView cancel(@PathParam("id") UUID id) throws SQLException {
        return placer.cancel(caller.address(), id);
    }
}
