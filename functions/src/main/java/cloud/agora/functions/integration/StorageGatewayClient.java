package cloud.agora.functions.integration;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The one storage-gateway endpoint this service uses: {@code POST /api/v1/objects}. */
@RegisterRestClient(configKey = "storage-gateway")
@Path("/api/v1/objects")
public interface StorageGatewayClient {

    /** The gateway's answer: the object's CID and size. */
    record StoredObject(String cid, long size) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Produces(MediaType.APPLICATION_JSON)
    StoredObject store(@HeaderParam("Authorization") String authorization, byte[] body);
}
