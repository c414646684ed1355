package cloud.agora.functions.domain.deployment;

import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;

/** Billing, as deployments need it: a developer's credit decided now, asked with the developer's own token. */
public interface Billing {

    /**
     * {@code owner}'s credit now (billing reads the escrow and the unpaid charges).
     *
     * @throws cloud.agora.support.billing.BillingUnavailableException when billing cannot answer
     */
    CreditView credit(String bearerToken, Address owner);
}
