package cloud.agora.functions.api;

import cloud.agora.functions.domain.Deployment;
import cloud.agora.functions.domain.DeploymentOrder;
import cloud.agora.functions.domain.FunctionDeployer;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
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
    private final Caller caller;

    public DeploymentResource(FunctionDeployer deployer, Caller caller) {
        this.deployer = deployer;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response deploy(@PathParam("name") String name, DeploymentOrder order,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        Deployment deployment = deployer.deploy(caller.address(), Tokens.bearer(authorization), name,
                order == null ? new DeploymentOrder(null, null, null, null, null) : order);
        return Response.created(URI.create("/api/v1/functions/" + name + "/deployments/" + deployment.id()))
                .entity(deployment).build();
    }

    @GET
    public List<Deployment> list(@PathParam("name") String name, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return deployer.list(caller.address(), Tokens.bearer(authorization), name);
    }

    @GET
    @Path("{id}")
    public Deployment get(@PathParam("name") String name, @PathParam("id") UUID id,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return deployer.get(caller.address(), Tokens.bearer(authorization), name, id);
    }
}
