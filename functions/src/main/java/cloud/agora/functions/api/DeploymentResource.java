package cloud.agora.functions.api;

import cloud.agora.functions.domain.catalog.FunctionNotFoundException;
import cloud.agora.functions.domain.catalog.InvalidFunctionSpecException;
import cloud.agora.functions.domain.catalog.VersionNotFoundException;
import cloud.agora.functions.domain.deployment.BidRefusedException;
import cloud.agora.functions.domain.deployment.Deployment;
import cloud.agora.functions.domain.deployment.DeploymentNotFoundException;
import cloud.agora.functions.domain.deployment.DeploymentOrder;
import cloud.agora.functions.domain.deployment.DeploymentPreview;
import cloud.agora.functions.domain.deployment.DeploymentPreviewer;
import cloud.agora.functions.domain.deployment.FunctionDeployer;
import cloud.agora.functions.domain.deployment.InvalidDeploymentException;
import cloud.agora.functions.domain.deployment.MarketplaceUnavailableException;
import cloud.agora.functions.domain.deployment.PaymentRequiredException;
import cloud.agora.functions.domain.deployment.PreviewOrder;
import cloud.agora.protocol.market.IdempotencyKeys;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.billing.BillingUnavailableException;
import cloud.agora.support.problem.IdempotencyKeyReusedException;
import cloud.agora.support.problem.InvalidIdempotencyKeyException;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/** Deployments of a function's versions, owner-only; bids are placed with the caller's own token. */
@Path("/api/v1/functions/{name}/deployments")
@SignedIn
@Produces(MediaType.APPLICATION_JSON)
public class DeploymentResource {

    private final FunctionDeployer deployer;
    private final DeploymentPreviewer previewer;
    private final Caller caller;

    public DeploymentResource(FunctionDeployer deployer, DeploymentPreviewer previewer, Caller caller) {
        this.deployer = deployer;
        this.previewer = previewer;
        this.caller = caller;
    }

    /**
     * Deploys: {@code 201} with the deployment. With an {@code Idempotency-Key} header a repeated request (same key,
     * same order) answers {@code 200} with that deployment as it is now and {@code Idempotent-Replayed: true}, bidding
     * for nothing more; the key with another order is {@code 422 idempotency-key-reused}.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ProblemResponses({InvalidIdempotencyKeyException.class, IdempotencyKeyReusedException.class,
            PaymentRequiredException.class, InvalidDeploymentException.class, BidRefusedException.class,
            VersionNotFoundException.class, InvalidFunctionSpecException.class, FunctionNotFoundException.class,
            DeploymentNotFoundException.class, MarketplaceUnavailableException.class,
            BillingUnavailableException.class})
    public Response deploy(@PathParam("name") String name, DeploymentOrder order,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey) {
        String key = InvalidIdempotencyKeyException.keyOf(idempotencyKey);
        FunctionDeployer.Deployed deployed = deployer.deploy(caller.address(), Tokens.bearer(authorization), name,
                order == null ? new DeploymentOrder(null, null, null, null, null) : order, key);
        Deployment deployment = deployed.deployment();
        URI location = URI.create("/api/v1/functions/" + name + "/deployments/" + deployment.id());
        if (deployed.replayed()) {
            return Response.ok(deployment).location(location).header(IdempotencyKeys.REPLAYED_HEADER, "true").build();
        }
        return Response.created(location).entity(deployment).build();
    }

    /**
     * What deploying would get now and cost at a load, without bidding or reserving anything
     * ({@link DeploymentPreview}): the body is a deploy's body plus an optional {@code load}, refused as the deploy
     * would be.
     */
    @POST
    @Path("preview")
    @Consumes(MediaType.APPLICATION_JSON)
    @ProblemResponses({InvalidDeploymentException.class, BidRefusedException.class, VersionNotFoundException.class,
            InvalidFunctionSpecException.class, FunctionNotFoundException.class, MarketplaceUnavailableException.class})
    public DeploymentPreview preview(@PathParam("name") String name, PreviewOrder order,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return previewer.preview(caller.address(), Tokens.bearer(authorization), name,
                order == null ? new PreviewOrder(null, null, null, null, null, null, null) : order);
    }

    @GET
    @ProblemResponses({FunctionNotFoundException.class, BidRefusedException.class,
            MarketplaceUnavailableException.class})
    public List<Deployment> list(@PathParam("name") String name, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return deployer.list(caller.address(), Tokens.bearer(authorization), name);
    }

    @GET
    @Path("{id}")
    @ProblemResponses({DeploymentNotFoundException.class, FunctionNotFoundException.class, BidRefusedException.class,
            MarketplaceUnavailableException.class})
    public Deployment get(@PathParam("name") String name, @PathParam("id") UUID id,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return deployer.get(caller.address(), Tokens.bearer(authorization), name, id);
    }
}
