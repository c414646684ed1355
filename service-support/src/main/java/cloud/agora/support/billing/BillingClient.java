package cloud.agora.support.billing;

import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.logging.Logger;

/**
 * Billing's endpoint the other services ask before they commit a developer's money (a deployment, paid storage),
 * called with the developer's own token ({@code quarkus.rest-client.billing.url}).
 */
@RegisterRestClient(configKey = "billing")
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public interface BillingClient {

    @GET
    @Path("/accounts/{address}/credit")
    CreditView credit(@HeaderParam("Authorization") String authorization, @PathParam("address") String address);

    /**
     * {@code owner}'s credit decided now (billing reads the escrow and the unpaid charges).
     *
     * @throws BillingUnavailableException when billing cannot be reached or does not answer with the credit
     */
    default CreditView creditOf(String bearerToken, Address owner) {
        try {
            return credit("Bearer " + bearerToken, owner.checksummed());
        } catch (WebApplicationException e) {
            throw new BillingUnavailableException("billing answered HTTP " + e.getResponse().getStatus()
                    + " for the credit of " + owner.checksummed());
        } catch (ProcessingException e) {
            Logger.getLogger(BillingClient.class).warnf("billing: credit of %s unknown: %s", owner.checksummed(), e.toString());
            throw new BillingUnavailableException("billing cannot be reached (credit of " + owner.checksummed() + ")");
        }
    }
}
