package cloud.agora.functions.integration;

import cloud.agora.functions.domain.Billing;
import cloud.agora.functions.domain.BillingUnavailableException;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/** {@link Billing} over billing's REST API. */
@ApplicationScoped
public class RestBilling implements Billing {

    private static final Logger LOG = Logger.getLogger(RestBilling.class);

    private final BillingClient billing;

    public RestBilling(@RestClient BillingClient billing) {
        this.billing = billing;
    }

    @Override
    public CreditView credit(String bearerToken, Address owner) {
        try {
            return billing.credit("Bearer " + bearerToken, owner.checksummed());
        } catch (WebApplicationException e) {
            throw new BillingUnavailableException("billing answered HTTP " + e.getResponse().getStatus()
                    + " for the credit of " + owner.checksummed());
        } catch (ProcessingException e) {
            LOG.warnf("billing: credit of %s unknown: %s", owner.checksummed(), e.toString());
            throw new BillingUnavailableException("billing cannot be reached (credit of " + owner.checksummed() + ")");
        }
    }
}
