package cloud.agora.marketplace.api;

import cloud.agora.marketplace.domain.AccessDeniedException;
import cloud.agora.marketplace.domain.BidNotFoundException;
import cloud.agora.marketplace.domain.BidNotOpenException;
import cloud.agora.marketplace.domain.BidPlacer;
import cloud.agora.marketplace.domain.InvalidBidException;
import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.IdempotencyKeys;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.IdempotencyKeyReusedException;
import cloud.agora.support.problem.InvalidIdempotencyKeyException;
import cloud.agora.support.problem.ProblemResponses;
import cloud.agora.support.writer.NotTheWriterException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.sql.SQLException;
import java.util.UUID;

/** Developers' bids: preview, place, read (with unmatched reasons), cancel. Owner only. */
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

    /**
     * Places a bid: {@code 201} with the bid. With an {@code Idempotency-Key} header a repeated request (same key, same
     * bid) answers {@code 200} with that bid as it is now and {@code Idempotent-Replayed: true}, placing nothing;
     * the key with another bid is {@code 422 idempotency-key-reused}.
     */
    @POST
    @ProblemResponses({InvalidIdempotencyKeyException.class, IdempotencyKeyReusedException.class,
            AccessDeniedException.class, InvalidBidException.class, BidNotFoundException.class,
            NotTheWriterException.class})
    public Response place(@HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey, BidSpec bid) {
        String key = InvalidIdempotencyKeyException.keyOf(idempotencyKey);
        BidPlacer.Placement placement = placer.place(caller.address(), bid, key);
        BidView placed = placement.bid();
        URI location = URI.create("/api/v1/bids/" + placed.id());
        if (placement.replayed()) {
            return Response.ok(placed).location(location).header(IdempotencyKeys.REPLAYED_HEADER, "true").build();
        }
        return Response.created(location).entity(placed).build();
    }

    /**
     * What the bid would get if placed now, placing nothing: the providers that would take its replicas at their
     * asking prices, and how many providers each constraint excludes ({@link BidPreview}). Checked as a bid is.
     */
    @POST
    @Path("/preview")
    @ProblemResponses({AccessDeniedException.class, InvalidBidException.class, NotTheWriterException.class})
    public BidPreview preview(BidSpec bid) {
        return placer.preview(caller.address(), bid);
    }

    @GET
    @Path("/{id}")
    @ProblemResponses({AccessDeniedException.class, BidNotFoundException.class, NotTheWriterException.class})
    public BidView get(@PathParam("id") UUID id) throws SQLException {
        return placer.get(caller.address(), id);
    }

    @DELETE
    @Path("/{id}")
    @ProblemResponses({AccessDeniedException.class, BidNotOpenException.class, BidNotFoundException.class,
            NotTheWriterException.class})
    public BidView cancel(@PathParam("id") UUID id) throws SQLException {
        return placer.cancel(caller.address(), id);
    }
}
