package cloud.agora.billing.api;

import cloud.agora.billing.domain.DisputeDesk;
import cloud.agora.billing.domain.DisputeProblem;
import cloud.agora.billing.domain.InvalidQueryException;
import cloud.agora.billing.domain.ReceiptNotFoundException;
import cloud.agora.protocol.dispute.DisputeRequest;
import cloud.agora.protocol.dispute.DisputeView;
import cloud.agora.protocol.dispute.ProviderAnswer;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/** Disputes over charges: the developer opens one, the provider answers, both read the decision and its evidence. */
@Path("/api/v1/disputes")
@Produces(MediaType.APPLICATION_JSON)
@SignedIn
public class DisputeResource {

    static final int MAX_LIST = 500;

    private final DisputeDesk desk;
    private final Caller caller;

    public DisputeResource(DisputeDesk desk, Caller caller) {
        this.desk = desk;
        this.caller = caller;
    }

    /** 201 with the open dispute. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ProblemResponses({InvalidQueryException.class, ReceiptNotFoundException.class, DisputeProblem.class})
    public Response open(DisputeRequest request) {
        if (request == null || request.invocationId() == null) {
            throw new InvalidQueryException("invocationId", "a dispute names the charged call's invocationId");
        }
        DisputeView opened = desk.open(caller.address(), request);
        return Response.created(URI.create("/api/v1/disputes/" + opened.id())).entity(opened).build();
    }

    @GET
    @Path("/{id}")
    @ProblemResponses({DisputeProblem.class})
    public DisputeView one(@PathParam("id") UUID id) {
        return desk.find(caller.address(), id);
    }

    /** The caller's disputes, newest first: opened as developer, or with {@code as=provider} faced as provider. */
    @GET
    @ProblemResponses({InvalidQueryException.class})
    public List<DisputeView> list(@QueryParam("as") String role, @QueryParam("limit") Integer limit) {
        if (role != null && !role.equals("consumer") && !role.equals("provider")) {
            throw new InvalidQueryException("as", "as is consumer or provider");
        }
        if (limit != null && (limit < 1 || limit > MAX_LIST)) {
            throw new InvalidQueryException("limit", "limit is 1 to " + MAX_LIST);
        }
        return desk.of(caller.address(), "provider".equals(role), limit == null ? 100 : limit);
    }

    /** The provider's answer; the dispute is decided at once and returned decided. */
    @POST
    @Path("/{id}/answer")
    @Consumes(MediaType.APPLICATION_JSON)
    @ProblemResponses({InvalidQueryException.class, DisputeProblem.class})
    public DisputeView answer(@PathParam("id") UUID id, ProviderAnswer answer) {
        if (answer == null) {
            throw new InvalidQueryException("body", "an answer is {concede, statement, evidence}");
        }
        return desk.answer(caller.address(), id, answer);
    }
}
