package cloud.agora.agent.journal;

import cloud.agora.client.RestClients;
import cloud.agora.client.ServiceSession;
import cloud.agora.protocol.api.BillingUsageApi;
import cloud.agora.protocol.usage.ReceiptTreeAnswer;
import cloud.agora.protocol.usage.ReceiptTreeQuery;
import jakarta.ws.rs.WebApplicationException;
import java.time.Clock;
import java.time.Duration;
import org.web3j.crypto.ECKeyPair;

/**
 * Billing's prefix tree over HTTPS: {@code POST /api/v1/usage/tree-nodes} ({@link BillingUsageApi}) with a
 * {@link ReceiptTreeQuery}, signed in as the provider (Sign-In with Ethereum, as {@link HttpUsageSink}); a 401 signs in
 * again once. A 403 is {@link LeaseRefusedException} (billing will never compare this lease with this provider).
 */
public final class HttpBillingReceiptTree implements BillingReceiptTree {

    private final BillingUsageApi usage;
    private final ServiceSession session;

    public HttpBillingReceiptTree(String billingUrl, ECKeyPair key, Duration timeout, Clock clock) {
        this.usage = RestClients.of(BillingUsageApi.class, billingUrl, timeout);
        this.session = new ServiceSession(billingUrl, key, clock);
    }

    @Override
    public ReceiptTreeAnswer nodes(ReceiptTreeQuery query) {
        try {
            return session.call(bearer -> usage.treeNodes(bearer, query));
        } catch (WebApplicationException e) {
            int status = RestClients.status(e);
            if (status == 403) {
                throw new LeaseRefusedException("billing refused lease " + query.leaseId() + ": " + RestClients.body(e, 300));
            }
            throw new IllegalStateException("billing answered " + status + " to " + query + ": " + RestClients.body(e, 300), e);
        }
    }
}
