package cloud.agora.storage.domain;

import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.support.billing.BillingClient;
import cloud.agora.support.billing.BillingUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Whether an account pays for storage: billing collects from it (its credit is not paused: it authorized billing's
 * delegate and its spendable credit is above the floor), asked with the account's own token at the moment it asks
 * for storage beyond the free allowance or for provider replicas.
 */
@ApplicationScoped
public class PaidStorage {

    private final BillingClient billing;

    public PaidStorage(@RestClient BillingClient billing) {
        this.billing = billing;
    }

    /**
     * Requires that billing collects from {@code account}.
     *
     * @param what what needs paid storage (for the problem's detail)
     * @throws StorageNotPaidException     when billing collects nothing from it
     * @throws BillingUnavailableException when billing cannot say
     */
    public void require(String bearerToken, Address account, String what) {
        unpaidReason(bearerToken, account).ifPresent(reason -> {
            throw new StorageNotPaidException(what, reason);
        });
    }

    /**
     * Why billing collects nothing from {@code account} ({@code not-authorized}, {@code below-floor}); empty when it
     * collects.
     *
     * @throws BillingUnavailableException when billing cannot say
     */
    public Optional<String> unpaidReason(String bearerToken, Address account) {
        CreditView credit = billing.creditOf(bearerToken, account);
        return credit.paused() ? Optional.of(credit.reason()) : Optional.empty();
    }
}
