package cloud.agora.protocol.api;

import cloud.agora.protocol.billing.VoucherView;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Billing's latest voucher per developer for a provider, ready to redeem; signed in ({@code Bearer <token>}). */
@Path("/api/v1/vouchers")
@Produces(MediaType.APPLICATION_JSON)
public interface BillingVoucherApi {

    /**
     * The latest vouchers for {@code provider} (required), of one {@code consumer} or of all ({@code null}).
     * Problems: 400 when an address is missing or invalid, 403 for another provider's vouchers.
     */
    @GET
    List<VoucherView> latest(@HeaderParam("Authorization") String authorization, @QueryParam("provider") String provider,
            @QueryParam("consumer") String consumer);
}
