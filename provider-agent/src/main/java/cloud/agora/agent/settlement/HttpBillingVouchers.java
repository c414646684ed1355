package cloud.agora.agent.settlement;

import cloud.agora.client.RestClients;
import cloud.agora.client.ServiceSession;
import cloud.agora.protocol.api.BillingVoucherApi;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eth.Address;
import jakarta.ws.rs.WebApplicationException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.web3j.crypto.ECKeyPair;

/**
 * {@link BillingVouchers} over HTTP ({@code GET /api/v1/vouchers?provider=}, {@link BillingVoucherApi}), signed in at
 * billing with the provider key; a call waits at most 30 s.
 */
public final class HttpBillingVouchers implements BillingVouchers {

    private final Address provider;
    private final BillingVoucherApi vouchers;
    private final ServiceSession session;

    public HttpBillingVouchers(String billingUrl, Address provider, ECKeyPair key, Clock clock) {
        this.provider = provider;
        this.vouchers = RestClients.of(BillingVoucherApi.class, billingUrl, Duration.ofSeconds(30));
        this.session = new ServiceSession(billingUrl, key, clock);
    }

    @Override
    public List<VoucherView> latest() {
        try {
            return session.call(bearer -> vouchers.latest(bearer, provider.toString(), null));
        } catch (WebApplicationException e) {
            throw new IllegalStateException("billing answered " + RestClients.status(e) + " to the voucher query: "
                    + RestClients.body(e, 300), e);
        }
    }
}
