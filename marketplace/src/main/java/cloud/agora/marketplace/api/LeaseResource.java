package cloud.agora.marketplace.api;

import cloud.agora.marketplace.domain.AccessDeniedException;
import cloud.agora.marketplace.domain.InvalidLeaseCloseException;
import cloud.agora.marketplace.domain.InvalidLeaseQueryException;
import cloud.agora.marketplace.domain.LeaseAlreadyClosedException;
import cloud.agora.marketplace.domain.LeaseCloser;
import cloud.agora.marketplace.domain.LeaseNotFoundException;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidAddressException;
import cloud.agora.protocol.market.LeaseClose;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import cloud.agora.support.writer.NotTheWriterException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/** Leases, seen and closed by their two parties. */
@Path("/api/v1/leases")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@SignedIn
public class LeaseResource {

    private final LeaseCloser closer;
    private final Caller caller;

    public LeaseResource(LeaseCloser closer, Caller caller) {
        this.closer = closer;
        this.caller = caller;
    }

    /** The caller's leases: {@code ?owner=} (as consumer, the default) or {@code ?provider=}. */
    @GET
    @ProblemResponses({InvalidAddressException.class, InvalidLeaseQueryException.class, AccessDeniedException.class})
    public List<LeaseView> list(@QueryParam("owner") String owner, @QueryParam("provider") String provider,
            @QueryParam("active") boolean activeOnly) throws SQLException {
        return closer.list(caller.address(), owner == null ? null : Address.parse(owner),
                provider == null ? null : Address.parse(provider), activeOnly);
    }

    @GET
    @Path("/{id}")
    @ProblemResponses({AccessDeniedException.class, LeaseNotFoundException.class})
    public LeaseView get(@PathParam("id") UUID id) throws SQLException {
        return closer.get(caller.address(), id);
    }

    @POST
    @Path("/{id}/close")
    @ProblemResponses({InvalidLeaseCloseException.class, AccessDeniedException.class,
            LeaseAlreadyClosedException.class, LeaseNotFoundException.class, NotTheWriterException.class})
    public LeaseView close(@PathParam("id") UUID id, LeaseClose request) throws SQLException {
        return closer.close(caller.address(), id, request == null ? null : request.reason());
    }
}
