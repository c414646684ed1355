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
        String body = JsonCodec.write(query);
        for (int attempt = 0; attempt < 2; attempt++) {
            HttpRequest request = HttpRequest.newBuilder(base.resolve("api/v1/usage/tree-nodes")).timeout(timeout)
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .header("Authorization", "Bearer " + session.token())
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new IllegalStateException("billing did not answer the tree query: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while asking billing", e);
            }
            int status = response.statusCode();
            if (status == 401 && attempt == 0) {
                session.invalidate();
                continue;
            }
            if (status == 403) {
                throw new LeaseRefusedException("billing refused lease " + query.leaseId() + ": " + abbreviate(response.body()));
            }
            if (status != 200) {
                throw new IllegalStateException("billing answered " + status + " to " + query + ": " + abbreviate(response.body()));
            }
            return JsonCodec.read(response.body(), ReceiptTreeAnswer.class);
        }
        throw new IllegalStateException("billing refused the agent's token twice");
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
