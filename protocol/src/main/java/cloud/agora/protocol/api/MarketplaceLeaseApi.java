package cloud.agora.protocol.api;

import cloud.agora.protocol.market.LeaseClose;
import cloud.agora.protocol.market.LeaseView;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;

/** The marketplace's leases, seen and closed by their two parties, signed in ({@code Bearer <token>}). */
@Path("/api/v1/leases")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface MarketplaceLeaseApi {

    /**
     * The caller's leases as consumer ({@code owner}, the default) or as provider ({@code provider}): addresses, or
     * {@code null} to leave the parameter out.
     */
    @GET
    List<LeaseView> leases(@HeaderParam("Authorization") String authorization, @QueryParam("owner") String owner,
            @QueryParam("provider") String provider, @QueryParam("active") boolean activeOnly);

    /** One lease of the caller's. */
    @GET
    @Path("/{id}")
    LeaseView lease(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id);

    /** Closes one lease of the caller's. */
    @POST
    @Path("/{id}/close")
    LeaseView close(@HeaderParam("Authorization") String authorization, @PathParam("id") UUID id, LeaseClose close);
}
