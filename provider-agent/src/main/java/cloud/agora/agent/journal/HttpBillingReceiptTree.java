package cloud.agora.agent.journal;

import cloud.agora.protocol.auth.SignInSession;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.ReceiptTreeAnswer;
import cloud.agora.protocol.usage.ReceiptTreeQuery;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.web3j.crypto.ECKeyPair;

/**
 * Billing's prefix tree over HTTPS: {@code POST /api/v1/usage/tree-nodes} with a {@link ReceiptTreeQuery}, signed in as
 * the provider (Sign-In with Ethereum, as {@link HttpUsageSink}); a 401 signs in again once.
 */
public final class HttpBillingReceiptTree implements BillingReceiptTree {

    private final URI base;
    private final HttpClient http;
    private final SignInSession session;
    private final Duration timeout;

    public HttpBillingReceiptTree(String billingUrl, Address provider, ECKeyPair key, Duration timeout) {
        this.base = URI.create(billingUrl.replaceAll("/+$", "") + "/");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.session = new SignInSession(base, provider, key, http);
        this.timeout = timeout;
    }

    @Override
    public ReceiptTreeAnswer nodes(ReceiptTreeQuery query) {
        HttpResponse<String> response = session.send(HttpRequest.newBuilder(base.resolve("api/v1/usage/tree-nodes"))
                .timeout(timeout).header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonCodec.write(query))));
        int status = response.statusCode();
        if (status == 403) {
            throw new LeaseRefusedException("billing refused lease " + query.leaseId() + ": " + abbreviate(response.body()));
        }
        if (status != 200) {
            throw new IllegalStateException("billing answered " + status + " to " + query + ": " + abbreviate(response.body()));
        }
        return JsonCodec.read(response.body(), ReceiptTreeAnswer.class);
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
