package cloud.agora.agent.settlement;

import cloud.agora.protocol.auth.SignInSession;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.web3j.crypto.ECKeyPair;

/** {@link BillingVouchers} over HTTP, signed in at billing with the provider key. */
public final class HttpBillingVouchers implements BillingVouchers {

    private final URI base;
    private final Address provider;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final SignInSession session;

    public HttpBillingVouchers(String billingUrl, Address provider, ECKeyPair key) {
        this.base = URI.create(billingUrl.replaceAll("/+$", "") + "/");
        this.provider = provider;
        this.session = new SignInSession(base, provider, key, http);
    }

    @Override
    public List<VoucherView> latest() {
        HttpResponse<String> response = session.send(HttpRequest.newBuilder(base.resolve("api/v1/vouchers?provider=" + provider))
                .timeout(Duration.ofSeconds(30)).header("Accept", "application/json").GET());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("billing answered " + response.statusCode() + " to the voucher query");
        }
        return JsonCodec.read(response.body(), new TypeReference<List<VoucherView>>() {
        });
    }
}
