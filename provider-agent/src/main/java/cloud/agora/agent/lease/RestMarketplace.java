package cloud.agora.agent.lease;

import cloud.agora.client.RestClients;
import cloud.agora.client.ServiceSession;
import cloud.agora.protocol.api.MarketplaceLeaseApi;
import cloud.agora.protocol.api.MarketplaceProviderApi;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.ProviderRegistration;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.web3j.crypto.ECKeyPair;

/**
 * The marketplace's REST API for providers ({@link MarketplaceProviderApi}, {@link MarketplaceLeaseApi}), signed in
 * with the provider's key through Sign-In with Ethereum ({@link ServiceSession}); the token is renewed before it
 * expires and after a 401. No connection, no answer within 10 s or a 5xx is {@link MarketplaceUnavailableException}
 * (the reconciler keeps its leases and tries again); any other refusal is an {@link IllegalStateException} carrying
 * the marketplace's problem.
 *
 * <p>The lease stream ({@link #follow}) is the one call made without a REST client: one server-sent-events answer that
 * lasts as long as the agent runs, read line by line on its own thread, reopened with a back-off when it breaks.
 */
public final class RestMarketplace implements Marketplace {

    private static final Logger LOG = Logger.getLogger(RestMarketplace.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI base;
    private final Address provider;
    private final ServiceSession session;
    private final MarketplaceProviderApi providers;
    private final MarketplaceLeaseApi leases;
    private final HttpClient stream = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public RestMarketplace(String baseUrl, Address provider, ECKeyPair key, Clock clock) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.provider = provider;
        this.session = new ServiceSession(baseUrl, key, clock);
        this.providers = RestClients.of(MarketplaceProviderApi.class, baseUrl, TIMEOUT);
        this.leases = RestClients.of(MarketplaceLeaseApi.class, baseUrl, TIMEOUT);
    }

    @Override
    public void register(ProviderRegistration registration) {
        call("POST /api/v1/providers", bearer -> providers.register(bearer, registration));
    }

    @Override
    public void publishOffer(OfferSpec offer) {
        call("PUT /api/v1/providers/" + provider + "/offer", bearer -> providers.publishOffer(bearer, provider, offer));
    }

    @Override
    public void heartbeat(Heartbeat heartbeat) {
        call("POST /api/v1/providers/" + provider + "/heartbeat", bearer -> providers.heartbeat(bearer, provider, heartbeat));
    }

    @Override
    public List<LeaseView> leases() {
        return call("GET /api/v1/leases?provider=" + provider,
                bearer -> leases.leases(bearer, null, provider.toString(), false));
    }

    @Override
    public AutoCloseable follow(Consumer<LeaseEvent> events) {
        AtomicBoolean open = new AtomicBoolean(true);
        Thread follower = new Thread(() -> {
            long backoffMillis = 500;
            while (open.get()) {
                try {
                    HttpRequest request = HttpRequest.newBuilder(base.resolve("api/v1/providers/" + provider + "/leases/stream"))
                            .header("Accept", "text/event-stream").header("Authorization", "Bearer " + session.token()).GET().build();
                    HttpResponse<Stream<String>> response = stream.send(request, HttpResponse.BodyHandlers.ofLines());
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

    private <T> T call(String request, Function<String, T> call) {
        try {
            return session.call(call);
        } catch (ProcessingException e) {
            throw new MarketplaceUnavailableException("cannot reach the marketplace at " + base + " (" + request + "): "
                    + e.getMessage(), e);
        } catch (ServiceSession.SignInRefusedException e) {
            throw new IllegalStateException("the marketplace at " + base + " refused the agent's sign-in: " + e.getMessage(), e);
        } catch (WebApplicationException e) {
            int status = RestClients.status(e);
            if (status >= 500) {
                throw new MarketplaceUnavailableException("marketplace answered " + status + " to " + request + ": "
                        + RestClients.body(e, 300), e);
            }
            throw new IllegalStateException("marketplace refused " + request + ": " + status + " " + RestClients.body(e, 1000), e);
        }
    }
}
