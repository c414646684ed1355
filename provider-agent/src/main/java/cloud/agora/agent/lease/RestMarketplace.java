package cloud.agora.agent.lease;

import cloud.agora.protocol.auth.SignInSession;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.ProviderRegistration;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.web3j.crypto.ECKeyPair;

/**
 * The marketplace's REST API (DESIGN.md paths), signed in with the provider's key through
 * Sign-In with Ethereum ({@code /api/v1/auth/challenge} → {@code personal_sign} →
 * {@code /api/v1/auth/token}); the token is renewed before it expires and after a 401.
 */
public final class RestMarketplace implements Marketplace {

    private static final Logger LOG = Logger.getLogger(RestMarketplace.class);

    private final URI base;
    private final Address provider;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final SignInSession session;

    public RestMarketplace(String baseUrl, Address provider, ECKeyPair key) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.provider = provider;
        this.session = new SignInSession(base, provider, key, http);
    }

    @Override
    public void register(ProviderRegistration registration) {
        send("POST", "api/v1/providers", registration);
    }

    @Override
    public void publishOffer(OfferSpec offer) {
        send("PUT", "api/v1/providers/" + provider + "/offer", offer);
    }

    @Override
    public void heartbeat(Heartbeat heartbeat) {
        send("POST", "api/v1/providers/" + provider + "/heartbeat", heartbeat);
    }

    @Override
    public List<LeaseView> leases() {
        return JsonCodec.read(send("GET", "api/v1/leases?provider=" + provider, null), new TypeReference<List<LeaseView>>() {
        });
    }

    @Override
    public AutoCloseable follow(Consumer<LeaseEvent> events) {
        AtomicBoolean open = new AtomicBoolean(true);
        Thread follower = new Thread(() -> {
            long backoffMillis = 500;
            while (open.get()) {
                try {
                    HttpRequest request = HttpRequest.newBuilder(base.resolve("api/v1/providers/" + provider + "/leases/stream"))
                            .header("Accept", "text/event-stream").header("Authorization", "Bearer " + token()).GET().build();
                    HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
                    if (response.statusCode() == 401) {
                        session.invalidate();
                    }
                    if (response.statusCode() / 100 == 2) {
                        backoffMillis = 500;
                        readEvents(response.body(), events, open);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.debugf("lease stream interrupted: %s", e.getMessage());
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException e) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 30_000);
            }
        }, "lease-stream");
        follower.setDaemon(true);
        follower.start();
        return () -> {
            open.set(false);
            follower.interrupt();
        };
    }

    private static void readEvents(Stream<String> lines, Consumer<LeaseEvent> events, AtomicBoolean open) {
        String type = null;
        StringBuilder data = new StringBuilder();
        for (Iterator<String> it = lines.iterator(); it.hasNext() && open.get();) {
            String line = it.next();
            if (line.isEmpty()) {
                if (type != null && data.length() > 0) {
                    events.accept(new LeaseEvent(type, JsonCodec.read(data.toString(), LeaseView.class)));
                }
                type = null;
                data.setLength(0);
            } else if (line.startsWith("event:")) {
                type = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).strip());
            }
        }
    }

    private String send(String method, String path, Object body) {
        for (int attempt = 0; attempt < 2; attempt++) {
            HttpResponse<String> response = exchange(method, path, body, token());
            if (response.statusCode() == 401 && attempt == 0) {
                session.invalidate();
                continue;
            }
            if (response.statusCode() >= 500) {
                throw new MarketplaceUnavailableException("marketplace answered " + response.statusCode() + " to " + path, null);
            }
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("marketplace refused " + method + " " + path + ": " + response.statusCode()
                        + " " + response.body());
            }
            return response.body();
        }
        throw new IllegalStateException("marketplace refused the agent's token");
    }

    private String token() {
        try {
            return session.token();
        } catch (java.io.UncheckedIOException e) {
            throw new MarketplaceUnavailableException("cannot reach the marketplace at " + base + ": " + e.getMessage(), e);
        } catch (SignInSession.SignInRefusedException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private HttpResponse<String> exchange(String method, String path, Object body, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JsonCodec.write(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new MarketplaceUnavailableException("cannot reach the marketplace at " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MarketplaceUnavailableException("interrupted", e);
        }
    }
}
