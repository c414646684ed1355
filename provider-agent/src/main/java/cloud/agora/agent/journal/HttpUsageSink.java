package cloud.agora.agent.journal;

import cloud.agora.protocol.auth.SignInSession;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.UsageReceipt;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.web3j.crypto.ECKeyPair;

/**
 * Ships receipts to billing over HTTPS: {@code POST /api/v1/usage/batches} with a {@code ReceiptBatch}
 * {@code {"receipts": [UsageReceipt...], "attestation": {...}}} (at most 500 receipts, attested by one signature of
 * the provider's key over their Merkle root) and the provider's own bearer token (Sign-In with Ethereum at billing;
 * billing accepts only the caller's own receipts). A batch counts as
 * delivered only on a 2xx answer, which means billing rated it, found it already rated, or
 * quarantined it with a reason (logged here; a quarantined receipt would be refused again, so
 * it is not re-sent). Anything else — no connection, a timeout, a lost answer, 5xx — fails the
 * delivery and the shipper re-sends the same receipts later; billing deduplicates by id.
 */
public final class HttpUsageSink implements UsageSink {

    private static final Logger LOG = Logger.getLogger(HttpUsageSink.class);

    private final URI base;
    private final HttpClient http;
    private final SignInSession session;
    private final Duration timeout;
    private final ECKeyPair key;

    public HttpUsageSink(String billingUrl, Address provider, ECKeyPair key, Duration timeout) {
        this.base = URI.create(billingUrl.replaceAll("/+$", "") + "/");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.session = new SignInSession(base, provider, key, http);
        this.key = key;
        this.timeout = timeout;
    }

    @Override
    public void deliver(List<UsageReceipt> receipts) {
        for (ReceiptBatch batch : KafkaUsageSink.attested(receipts, key)) {
            deliver(batch);
        }
    }

    private void deliver(ReceiptBatch batch) {
        HttpResponse<String> response = session.send(HttpRequest.newBuilder(base.resolve("api/v1/usage/batches"))
                .timeout(timeout).header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonCodec.write(batch))));
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("billing answered " + response.statusCode() + " to a batch of "
                    + batch.receipts().size() + ": " + abbreviate(response.body()));
        }
        logQuarantined(response.body());
    }

    private static void logQuarantined(String body) {
        try {
            Object quarantined = JsonCodec.read(body, Map.class).get("quarantined");
            if (quarantined instanceof List<?> list && !list.isEmpty()) {
                LOG.warnf("billing quarantined %d receipts: %s", list.size(), abbreviate(JsonCodec.write(list)));
            }
        } catch (RuntimeException e) {
            LOG.debugf("billing's batch answer is not the expected JSON: %s", abbreviate(body));
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 500 ? s.substring(0, 500) + "…" : s;
    }
}
