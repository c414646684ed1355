package cloud.agora.agent.journal;

import cloud.agora.client.RestClients;
import cloud.agora.client.ServiceSession;
import cloud.agora.protocol.api.BillingUsageApi;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.UsageReceipt;
import jakarta.ws.rs.WebApplicationException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;
import org.web3j.crypto.ECKeyPair;

/**
 * Ships receipts to billing over HTTPS: {@code POST /api/v1/usage/batches} ({@link BillingUsageApi}) with a
 * {@link ReceiptBatch} (at most 500 receipts, attested by one signature of the provider's key over their Merkle root)
 * and the provider's own bearer token (Sign-In with Ethereum at billing; billing accepts only the caller's own
 * receipts). A batch counts as delivered only on a 2xx answer, which means billing rated it, found it already rated,
 * or quarantined it with a reason (logged here; a quarantined receipt would be refused again, so it is not re-sent).
 * Anything else — no connection, a timeout, a lost answer, 5xx — fails the delivery and the shipper re-sends the same
 * receipts later; billing deduplicates by id.
 */
public final class HttpUsageSink implements UsageSink {

    private static final Logger LOG = Logger.getLogger(HttpUsageSink.class);

    private final BillingUsageApi usage;
    private final ServiceSession session;
    private final ECKeyPair key;

    public HttpUsageSink(String billingUrl, ECKeyPair key, Duration timeout, Clock clock) {
        this.usage = RestClients.of(BillingUsageApi.class, billingUrl, timeout);
        this.session = new ServiceSession(billingUrl, key, clock);
        this.key = key;
    }

    @Override
    public void deliver(List<UsageReceipt> receipts) {
        for (ReceiptBatch batch : KafkaUsageSink.attested(receipts, key)) {
            deliver(batch);
        }
    }

    private void deliver(ReceiptBatch batch) {
        BillingUsageApi.BatchResult result;
        try {
            result = session.call(bearer -> usage.batch(bearer, batch));
        } catch (WebApplicationException e) {
            throw new IllegalStateException("billing answered " + RestClients.status(e) + " to a batch of "
                    + batch.receipts().size() + ": " + RestClients.body(e, 500), e);
        }
        if (result != null && result.quarantined() != null && !result.quarantined().isEmpty()) {
            String quarantined = JsonCodec.write(result.quarantined());
            LOG.warnf("billing quarantined %d receipts: %s", result.quarantined().size(),
                    quarantined.length() > 500 ? quarantined.substring(0, 500) + "…" : quarantined);
        }
    }
}
