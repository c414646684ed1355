package cloud.agora.functions.api;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidStatus;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.PreviewConstraint;
import cloud.agora.protocol.market.UnmatchedReason;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for the marketplace's bid and lease endpoints, on a JDK HTTP server in the test
 * JVM (the real marketplace is another Quarkus application and cannot start in this one). It
 * speaks the real wire types ({@link BidSpec}, {@link BidView}, {@link LeaseView} from
 * {@code protocol}), keeps bids per bearer token (another token gets 403 as the real owner
 * check would), and is scripted by the bid's region instead of an order book:
 * {@code nowhere} rests OPEN with {@code NO_PROVIDER_IN_REGION} until a test calls
 * {@link #fill}; {@code refused} gets a 400 {@code invalid-bid} problem; any other region
 * matches every replica at once on distinct providers.
 */
public class MarketplaceStub extends StubServer {

    record Held(String token, BidSpec spec, BidView view, String key) {

        Held(String token, BidSpec spec, BidView view) {
            this(token, spec, view, null);
        }
    }

    /** Bid previews answered. */
    public static final java.util.concurrent.atomic.AtomicInteger PREVIEWS = new java.util.concurrent.atomic.AtomicInteger();
    /** Bids by id. */
    public static final Map<UUID, Held> BIDS = new ConcurrentHashMap<>();
    /** Leases by id. */
    public static final Map<UUID, LeaseView> LEASES = new ConcurrentHashMap<>();

    /** Bid ids by (bidder's address, Idempotency-Key), as the marketplace keeps them. */
    public static final Map<String, UUID> KEYS = new ConcurrentHashMap<>();
    /** Every Idempotency-Key a bid was placed with, in order (null for none). */
    public static final List<String> KEYS_SENT = java.util.Collections.synchronizedList(new ArrayList<>());
    /**
     * How many of the next bid placements lose their answer: the bid is placed (and leased) as usual, then the caller
     * gets a 502 instead of it, as when the connection breaks or the caller dies before it records the answer.
     */
    public static final java.util.concurrent.atomic.AtomicInteger LOSE_ANSWERS = new java.util.concurrent.atomic.AtomicInteger();

    /** When set, the agent endpoints given to a bid's leases in order (else unresolvable test hosts). */
    public static volatile List<String> endpoints = List.of();

    @Override
    String urlProperty() {
        return "quarkus.rest-client.marketplace.url";
    }

    @Override
    void routes(HttpServer server) {
        server.createContext("/api/v1/", closing(MarketplaceStub::handle));
    }

    /** Matches every missing replica of a resting bid, as capacity appearing would. */
    public static void fill(UUID bidId) {
        Held held = BIDS.get(bidId);
        BIDS.put(bidId, new Held(held.token, held.spec, matched(held.view, held.spec), held.key));
    }

    /** Ownership is by the tokens' subject (the signed-in address), as in the real marketplace. */
    static boolean sameOwner(String a, String b) {
        return subject(a).equals(subject(b));
    }

    /** The {@code sub} claim of a platform JWT (the stub trusts the gateway's tokens; signatures are the real services' job). */
    static String subject(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return token;
        }
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        return JsonCodec.read(payload, java.util.Map.class).get("sub").toString();
    }

    /** The bid's owner: the signed-in developer (the address in the token's subject), as in the real marketplace. */
    private static Address owner(String token) {
        try {
            return Address.parse(subject(token));
        } catch (RuntimeException notAnAddress) {
            return Address.parse("0x" + "1".repeat(40));
        }
    }

    private static void handle(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            send(ex, 401, problem("unauthenticated", "sign in"));
            return;
        }
        String token = auth.substring(7);
        String[] path = ex.getRequestURI().getPath().split("/"); // "", api, v1, bids|leases, id?, close?
        String method = ex.getRequestMethod();
        if (path[3].equals("bids") && path.length == 5 && path[4].equals("preview") && method.equals("POST")) {
            BidSpec spec = JsonCodec.read(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), BidSpec.class);
            String region = spec.constraints() == null ? null : spec.constraints().region();
            PREVIEWS.incrementAndGet();
            if ("refused".equals(region)) {
                send(ex, 400, problem("invalid-bid", "maxPrices must name every unit price"));
                return;
            }
            send(ex, 200, JsonCodec.write(preview(spec, region)));
            return;
        }
        if (path[3].equals("bids") && path.length == 4 && method.equals("POST")) {
            BidSpec spec = JsonCodec.read(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), BidSpec.class);
            String region = spec.constraints() == null ? null : spec.constraints().region();
            if ("refused".equals(region)) {
                send(ex, 400, problem("invalid-bid", "maxPrices must name every unit price"));
                return;
            }
            // as the marketplace: one bid per (bidder, key); the same bid again is answered, another bid is refused
            String key = cloud.agora.protocol.market.IdempotencyKeys.parse(
                    ex.getRequestHeaders().getFirst(cloud.agora.protocol.market.IdempotencyKeys.HEADER));
            KEYS_SENT.add(key);
            String scope = key == null ? null : owner(token).value() + " " + key;
            synchronized (KEYS) {
                if (scope != null && KEYS.containsKey(scope)) {
                    Held earlier = BIDS.get(KEYS.get(scope));
                    if (!earlier.spec.equals(spec)) {
                        send(ex, 422, problem("idempotency-key-reused", "another bid under key " + key));
                        return;
                    }
                    ex.getResponseHeaders().add(cloud.agora.protocol.market.IdempotencyKeys.REPLAYED_HEADER, "true");
                    send(ex, 200, JsonCodec.write(earlier.view));
                    return;
                }
                BidView open = new BidView(UUID.randomUUID(), owner(token), spec.kind(), spec.resources(),
                        spec.replicas(), 0, spec.maxPrices(), spec.constraints(), BidStatus.OPEN, Instant.now(),
                        Instant.now().plusSeconds(600), List.of(), List.of(UnmatchedReason.NO_PROVIDER_IN_REGION));
                BidView view = "nowhere".equals(region) ? open : matched(open, spec);
                BIDS.put(view.id(), new Held(token, spec, view, key));
                if (scope != null) {
                    KEYS.put(scope, view.id());
                }
                if (LOSE_ANSWERS.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    send(ex, 502, problem("bad-gateway", "the answer was lost"));
                    return;
                }
                send(ex, 201, JsonCodec.write(view));
                return;
            }
        }
        if (path[3].equals("bids") && path.length == 5) {
            Held held = BIDS.get(UUID.fromString(path[4]));
            if (held == null || !sameOwner(held.token, token)) {
                send(ex, held == null ? 404 : 403, problem(held == null ? "bid-not-found" : "forbidden", "not yours"));
                return;
            }
            if (method.equals("DELETE")) {
                if (held.view.status() != BidStatus.OPEN) {
                    send(ex, 409, problem("bid-not-open", "not open"));
                    return;
                }
                BidView v = held.view;
                BidView cancelled = new BidView(v.id(), v.owner(), v.kind(), v.resources(), v.replicas(), v.matchedReplicas(),
                        v.maxPrices(), v.constraints(), BidStatus.CANCELLED, v.createdAt(), v.expiresAt(), v.leaseIds(), List.of());
                BIDS.put(v.id(), new Held(token, held.spec, cancelled, held.key));
                send(ex, 200, JsonCodec.write(cancelled));
                return;
            }
            send(ex, 200, JsonCodec.write(held.view));
            return;
        }
        if (path[3].equals("leases") && path.length >= 5) {
            LeaseView lease = LEASES.get(UUID.fromString(path[4]));
            Held held = lease == null ? null : BIDS.get(lease.bidId());
            if (lease == null || !sameOwner(held.token, token)) {
                send(ex, lease == null ? 404 : 403, problem(lease == null ? "lease-not-found" : "forbidden", "not yours"));
                return;
            }
            if (path.length == 6 && path[5].equals("close") && method.equals("POST")) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String reason = body.isBlank() ? null : JsonCodec.read(body, cloud.agora.protocol.market.LeaseClose.class).reason();
                LeaseView closed = new LeaseView(lease.id(), lease.bidId(), lease.owner(), lease.provider(),
                        lease.providerEndpoint(), lease.kind(), lease.resources(), lease.prices(), LeaseState.CLOSED,
                        lease.createdAt(), Instant.now(), lease.owner(), reason == null ? "closed by owner" : reason);
                LEASES.put(lease.id(), closed);
                send(ex, 200, JsonCodec.write(closed));
                return;
            }
            send(ex, 200, JsonCodec.write(lease));
            return;
        }
        send(ex, 404, problem("not-found", ex.getRequestURI().getPath()));
    }

    /**
     * A preview as the marketplace answers it: in {@code nowhere} no provider of the two with offers is in the region;
     * elsewhere three providers match at the bid's maximum prices (what {@link #matched} leases at), the first
     * {@code replicas} would be leased.
     */
    private static BidPreview preview(BidSpec spec, String region) {
        int replicas = spec.replicas() == null ? 1 : spec.replicas();
        if ("nowhere".equals(region)) {
            return new BidPreview(replicas, 0, 2, List.of(), List.of(new BidPreview.Exclusion(PreviewConstraint.REGION, 2,
                    PreviewConstraint.REGION.description())), List.of(UnmatchedReason.NO_PROVIDER_IN_REGION));
        }
        List<BidPreview.MatchingOffer> offers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            offers.add(new BidPreview.MatchingOffer(Address.parse(String.format("0x%040x", 0xabc0 + i)), region,
                    spec.maxPrices(), 900 - i, i < replicas));
        }
        return new BidPreview(replicas, Math.min(3, replicas), 3, offers, List.of(),
                replicas > 3 ? List.of(UnmatchedReason.NOT_ENOUGH_DISTINCT_PROVIDERS) : List.of());
    }

    private static BidView matched(BidView v, BidSpec spec) {
        List<UUID> leaseIds = new ArrayList<>(v.leaseIds());
        // the endpoints given, less those of the providers the bid avoids (as the marketplace's distinct-provider rule)
        java.util.Set<Address> avoided = spec.constraints() == null ? java.util.Set.of() : spec.constraints().avoidProviders();
        List<String> usable = endpoints.stream().filter(e -> !AgentStub.PROVIDERS.containsKey(e)
                || !avoided.contains(AgentStub.PROVIDERS.get(e).address())).toList();
        for (int i = v.matchedReplicas(); i < v.replicas(); i++) {
            UUID id = UUID.randomUUID();
            String hex = UUID.randomUUID().toString().replace("-", "");
            String endpoint = i < usable.size() ? usable.get(i) : "http://agent-" + i + ".test:8090";
            Address provider = AgentStub.PROVIDERS.containsKey(endpoint) ? AgentStub.PROVIDERS.get(endpoint).address()
                    : Address.parse("0x" + hex + "00000000");
            LeaseView lease = new LeaseView(id, v.id(), v.owner(), provider, endpoint, BidKind.COMPUTE, spec.resources(), spec.maxPrices(), LeaseState.ACTIVE,
                    Instant.now(), null, null, null);
            LEASES.put(id, lease);
            leaseIds.add(id);
        }
        return new BidView(v.id(), v.owner(), v.kind(), v.resources(), v.replicas(), v.replicas(), v.maxPrices(),
                v.constraints(), BidStatus.MATCHED, v.createdAt(), v.expiresAt(), List.copyOf(leaseIds), List.of());
    }

    private static String problem(String slug, String detail) {
        return "{\"type\":\"urn:agora:problem:" + slug + "\",\"title\":\"" + slug + "\",\"detail\":\"" + detail + "\"}";
    }
}
