package cloud.agora.functions.integration;

import cloud.agora.functions.domain.deployment.Billing;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.support.billing.BillingClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** {@link Billing} over billing's REST API. */
@ApplicationScoped
public class RestBilling implements Billing {

    private final BillingClient billing;

    public RestBilling(@RestClient BillingClient billing) {
        this.billing = billing;
    }

    @Override
    public CreditView credit(String bearerToken, Address owner) {
        return billing.creditOf(bearerToken, owner);
    }
}
