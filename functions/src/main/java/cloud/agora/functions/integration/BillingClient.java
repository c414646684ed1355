package cloud.agora.functions.integration;

import cloud.agora.protocol.billing.CreditView;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The billing endpoint deployments use, called with the developer's own token. */
@RegisterRestClient(configKey = "billing")
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public interface BillingClient {

    @GET
    @Path("/accounts/{address}/credit")
    CreditView credit(@HeaderParam("Authorization") String authorization, @PathParam("address") String address);
}
