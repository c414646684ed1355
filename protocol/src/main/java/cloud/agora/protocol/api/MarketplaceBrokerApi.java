package cloud.agora.protocol.api;

import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.IdempotencyKeys;
import cloud.agora.protocol.market.LeaseClose;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.reputation.AuditReport;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import java.util.UUID;

/**
 * The marketplace as the gateways use it to broker resources for the accounts that pay, as the marketplace serves it:
 * placing bids, reading and cancelling them, reading and closing their leases (the functions gateway with the
 * developer's own token, the storage gateway with its own, signed in with its key through {@link SignInApi}), and
 * reporting the audits the storage gateway ran. Every call carries {@code Authorization: Bearer <token>}.
 * Errors are RFC 9457 problems.
 */
@Path("/api/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface MarketplaceBrokerApi {

    /**
     * {@code POST /api/v1/bids}: places a bid ({@code 201}); the same {@value IdempotencyKeys#HEADER} with the same
     * bid answers the bid already placed ({@code 200}, nothing placed again).
     */
    @POST
    @Path("/bids")
    BidView placeBid(@HeaderParam("Authorization") String authorization,
            @HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey, BidSpec bid);

    /** {@code POST /api/v1/bids/preview}: what the bid would get if placed now; places nothing. */
    @POST
    @Path("/bids/preview")
    BidPreview previewBid(@HeaderParam("Authorization") String authorization, BidSpec bid);

    /** {@code GET /api/v1/bids/{id}}: the bid, to its owner or its broker. */
    @GET
    @Path("/bids/{id}")
    BidView bid(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id);

    /** {@code DELETE /api/v1/bids/{id}}: cancels an open bid. */
    @DELETE
    @Path("/bids/{id}")
    BidView cancelBid(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id);

    /** {@code GET /api/v1/leases/{id}}: the lease, to its owner, provider or broker. */
    @GET
    @Path("/leases/{id}")
    LeaseView lease(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id);

    /** {@code POST /api/v1/leases/{id}/close}: closes the lease ({@code 409} when it was closed already). */
    @POST
    @Path("/leases/{id}/close")
    LeaseView closeLease(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id,
            LeaseClose close);

    /** {@code POST /api/v1/audits}: the audits a storage gateway ran; {@code {"counted": n}}, the ones new to it. */
    @POST
    @Path("/audits")
    Map<String, Integer> reportAudits(@HeaderParam("Authorization") String authorization, AuditReport report);
}
