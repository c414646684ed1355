package cloud.agora.functions.api;

import cloud.agora.functions.domain.bundle.BundleTooLargeException;
import cloud.agora.functions.domain.bundle.InvalidBundleException;
import cloud.agora.functions.domain.bundle.InvalidImageException;
import cloud.agora.functions.domain.bundle.StorageUnavailableException;
import cloud.agora.functions.domain.catalog.FunctionCatalog;
import cloud.agora.functions.domain.catalog.FunctionNameTakenException;
import cloud.agora.functions.domain.catalog.FunctionNotFoundException;
import cloud.agora.functions.domain.catalog.FunctionRegistrar;
import cloud.agora.functions.domain.catalog.FunctionSpec;
import cloud.agora.functions.domain.catalog.FunctionSummary;
import cloud.agora.functions.domain.catalog.FunctionVersion;
import cloud.agora.functions.domain.catalog.InvalidFunctionSpecException;
import cloud.agora.functions.domain.catalog.UnknownRuntimeException;
import cloud.agora.functions.domain.catalog.VersionNotFoundException;
import cloud.agora.functions.domain.deployment.BidRefusedException;
import cloud.agora.functions.domain.deployment.MarketplaceUnavailableException;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** Functions and their immutable versions, owner-only. */
@Path("/api/v1/functions")
@SignedIn
@Produces(MediaType.APPLICATION_JSON)
public class FunctionResource {

    private final FunctionRegistrar registrar;
    private final FunctionCatalog catalog;
    private final Caller caller;
    private final ObjectMapper json;
    private final cloud.agora.functions.domain.deployment.FunctionDeployer deployer;

    public FunctionResource(FunctionRegistrar registrar, FunctionCatalog catalog, Caller caller, ObjectMapper json,
            cloud.agora.functions.domain.deployment.FunctionDeployer deployer) {
        this.deployer = deployer;
        this.registrar = registrar;
        this.catalog = catalog;
        this.caller = caller;
        this.json = json;
    }

    /**
     * Publishes a version: multipart with a {@code spec} part (JSON {@link FunctionSpec}) and a
     * {@code bundle} part (tar.gz). The first version creates the function.
     */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @ProblemResponses({InvalidFunctionSpecException.class, InvalidBundleException.class, UnknownRuntimeException.class,
            FunctionNameTakenException.class, InvalidImageException.class, BundleTooLargeException.class,
            StorageUnavailableException.class})
    public Response publish(@RestForm("spec") String spec, @RestForm("bundle") FileUpload bundle,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) throws JsonProcessingException {
        if (spec == null || spec.isBlank()) {
            throw new InvalidFunctionSpecException("the multipart part 'spec' (JSON) is required");
        }
        FunctionSpec requested = json.readValue(spec, FunctionSpec.class);
        byte[] bytes;
        try {
            bytes = bundle == null ? null : Files.readAllBytes(bundle.uploadedFile());
        } catch (IOException e) {
            throw new InvalidBundleException("the bundle upload could not be read");
        }
        String token = Tokens.bearer(authorization);
        FunctionVersion version = registrar.publish(caller.address(), token, requested, bytes);
        return Response.created(URI.create("/api/v1/functions/" + version.name() + "/versions/" + version.version()))
                .entity(version).build();
    }

    @GET
    public List<FunctionSummary> list() {
        return catalog.list(caller.address());
    }

    @GET
    @Path("{name}")
    @ProblemResponses({FunctionNotFoundException.class})
    public FunctionSummary get(@PathParam("name") String name) {
        return catalog.get(caller.address(), name);
    }

    @GET
    @Path("{name}/versions")
    @ProblemResponses({FunctionNotFoundException.class})
    public List<FunctionVersion> versions(@PathParam("name") String name) {
        return catalog.versions(caller.address(), name);
    }

    @GET
    @Path("{name}/versions/{version}")
    @ProblemResponses({VersionNotFoundException.class, FunctionNotFoundException.class})
    public FunctionVersion version(@PathParam("name") String name, @PathParam("version") int version) {
        return catalog.version(caller.address(), name, version);
    }

    @DELETE
    @Path("{name}")
    @ProblemResponses({MarketplaceUnavailableException.class, FunctionNotFoundException.class,
            BidRefusedException.class})
    public Response delete(@PathParam("name") String name, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        deployer.retire(caller.address(), Tokens.bearer(authorization), name);
        return Response.noContent().build();
    }
}
