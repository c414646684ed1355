package cloud.agora.storage.integration.market;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidStatus;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for the marketplace (another process in production), just the part the gateway
 * uses: Sign-In with Ethereum (the signature is really recovered and checked), storage bids
 * matched at once to distinct providers from a fixed list (one without an open lease of the
 * bidder, never one whose lease was closed for a failed audit), lease reads and closes (409
 * when already closed). Port 0.
 */
public final class MarketplaceStandIn implements AutoCloseable {

    /** A provider on offer: its address and its agent's endpoint. */
    public record Provider(Address address, String endpoint) {
    }

    private final HttpServer server;
    private final List<Provider> providers;
    private final Map<String, Address> challenges = new ConcurrentHashMap<>();
    private final Map<String, Address> tokens = new ConcurrentHashMap<>();
    private final Map<UUID, BidView> bids = new ConcurrentHashMap<>();
    private final Map<UUID, LeaseView> leases = new LinkedHashMap<>();

    public MarketplaceStandIn(List<Provider> providers) throws IOException {
        this.providers = providers;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every lease so far. */
    public synchronized List<LeaseView> leases() {
        return new ArrayList<>(leases.values());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring("/api/v1/".length());
            String method = exchange.getRequestMethod();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (path.equals("auth/challenge")) {
                Address address = Address.parse((String) JsonCodec.read(body, Map.class).get("address"));
                String message = "127.0.0.1 wants you to sign in with your Ethereum account:\n" + address + "\n\nNonce: "
                        + UUID.randomUUID();
                challenges.put(message, address);
                answer(exchange, 200, Map.of("message", message, "expiresAt", Instant.now().plusSeconds(300).toString()));
                return;
            }
            if (path.equals("auth/token")) {
                Map<?, ?> request = JsonCodec.read(body, Map.class);
                Address expected = challenges.remove((String) request.get("message"));
                Address signer = PersonalSignature.recover((String) request.get("message"), (String) request.get("signature"));
                if (expected == null || !expected.equals(signer)) {
                    answer(exchange, 401, Map.of("type", "urn:agora:problem:sign-in-rejected"));
                    return;
                }
                String token = UUID.randomUUID().toString();
                tokens.put(token, signer);
                answer(exchange, 200, Map.of("token", token, "expiresAt", Instant.now().plusSeconds(3600).toString()));
                return;
            }
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            Address caller = auth == null ? null : tokens.get(auth.substring("Bearer ".length()));
            if (caller == null) {
                answer(exchange, 401, Map.of("type", "urn:agora:problem:unauthenticated"));
                return;
            }
            String[] parts = path.split("/");
            synchronized (this) {
                if (parts[0].equals("bids") && parts.length == 1 && method.equals("POST")) {
                    answer(exchange, 201, bid(caller, JsonCodec.read(body, BidSpec.class)));
                } else if (parts[0].equals("bids") && parts.length == 2) {
                    answer(exchange, 200, bids.get(UUID.fromString(parts[1])));
                } else if (parts[0].equals("leases") && parts.length == 2) {
                    answer(exchange, 200, leases.get(UUID.fromString(parts[1])));
                } else if (parts[0].equals("leases") && parts.length == 3 && parts[2].equals("close")) {
                    LeaseView lease = leases.get(UUID.fromString(parts[1]));
                    if (lease.state() == LeaseState.CLOSED) {
                        answer(exchange, 409, Map.of("type", "urn:agora:problem:lease-already-closed"));
                        return;
                    }
                    LeaseView closed = new LeaseView(lease.id(), lease.bidId(), lease.owner(), lease.provider(),
                            lease.providerEndpoint(), lease.kind(), lease.resources(), lease.prices(), LeaseState.CLOSED,
                            lease.createdAt(), Instant.now(), caller, (String) JsonCodec.read(body, Map.class).get("reason"));
                    leases.put(lease.id(), closed);
                    answer(exchange, 200, closed);
                } else {
                    answer(exchange, 404, Map.of("type", "urn:agora:problem:not-found"));
                }
            }
        } catch (RuntimeException e) {
            throw new IOException(e);
        }
    }

    private BidView bid(Address owner, BidSpec spec) {
        if (spec.kind() != BidKind.STORAGE || spec.resources().storageGiB() < 1) {
            throw new IllegalArgumentException("the gateway must place storage bids of at least 1 GiB: " + spec);
        }
        UUID bidId = UUID.randomUUID();
        List<UUID> matched = new ArrayList<>();
        for (Provider provider : providers) {
            if (matched.size() == spec.replicas()) {
                break;
            }
            boolean busy = leases.values().stream().anyMatch(l -> l.provider().equals(provider.address()) && l.owner().equals(owner)
                    && (l.state() == LeaseState.ACTIVE || "audit-failed".equals(l.closeReason())));
            if (!busy) {
                LeaseView lease = new LeaseView(UUID.randomUUID(), bidId, owner, provider.address(), provider.endpoint(),
                        BidKind.STORAGE, spec.resources(), spec.maxPrices(), LeaseState.ACTIVE, Instant.now(), null, null, null);
                leases.put(lease.id(), lease);
                matched.add(lease.id());
            }
        }
        BidView bid = new BidView(bidId, owner, BidKind.STORAGE, spec.resources(), spec.replicas(), matched.size(),
                spec.maxPrices(), spec.constraints(), matched.size() == spec.replicas() ? BidStatus.MATCHED : BidStatus.OPEN,
                Instant.now(), Instant.now().plusSeconds(spec.ttlSeconds()), matched, List.of());
        bids.put(bidId, bid);
        return bid;
    }

    private static void answer(HttpExchange exchange, int status, Object value) throws IOException {
        byte[] body = JsonCodec.write(value).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
