package cloud.agora.agent.gateway;

import cloud.agora.agent.lease.MarketplaceUnavailableException;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.GatewayKeys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The marketplace's public {@code GET /api/v1/gateways} (no sign-in: the keys are public). */
public final class MarketplaceGatewayDirectory implements GatewayDirectory {

    private final URI gateways;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public MarketplaceGatewayDirectory(String marketplaceUrl) {
        this.gateways = URI.create(marketplaceUrl.endsWith("/") ? marketplaceUrl : marketplaceUrl + "/").resolve("api/v1/gateways");
    }

    @Override
    public GatewayKeys gateways() {
        HttpRequest request = HttpRequest.newBuilder(gateways).timeout(Duration.ofSeconds(10)).header("Accept", "application/json")
                .GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new MarketplaceUnavailableException("cannot reach the marketplace at " + gateways + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MarketplaceUnavailableException("interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new MarketplaceUnavailableException("the marketplace answered " + response.statusCode() + " to " + gateways, null);
        }
        try {
            return JsonCodec.read(response.body(), GatewayKeys.class);
        } catch (RuntimeException e) {
            throw new MarketplaceUnavailableException("the marketplace's gateway keys are not readable: " + e.getMessage(), e);
        }
    }
}
