package cloud.agora.storage.integration.market;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.reputation.AuditReport;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for the marketplace (another process in production), just the part the gateway
 * uses: Sign-In with Ethereum (the signature is really recovered and checked), storage bids
 * matched at once to distinct providers from a fixed list (one without an open lease of the
 * bid's owner, never one whose lease of that owner was closed for a failed audit), lease reads and closes (409
 * when already closed). As the marketplace does, a bid naming a payer other than its bidder is accepted only from a
 * configured storage gateway (403 otherwise): the payer owns the bid and its leases, the gateway brokers them. Bids
 * are read and cancelled only by their owner or broker, leases read and closed only by their owner, provider or
 * broker (403 otherwise). Port 0.
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
    /** The broker of each brokered bid and lease (by id). */
    private final Map<UUID, Address> brokers = new ConcurrentHashMap<>();
    private final Map<UUID, AuditReport.Audit> audits = new LinkedHashMap<>();
    private final Set<Address> storageGateways;
    /** Bid ids by (bidder, Idempotency-Key), as the marketplace keeps them, with the spec each key placed. */
    private final Map<String, UUID> keys = new ConcurrentHashMap<>();
    private final Map<UUID, BidSpec> specs = new ConcurrentHashMap<>();
    private final List<String> keysSent = java.util.Collections.synchronizedList(new ArrayList<>());
    private final java.util.concurrent.atomic.AtomicInteger loseAnswers = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param providers       the providers on offer
     * @param storageGateways who may place bids another account pays ({@code agora.market.gateways.storage})
     */
    public MarketplaceStandIn(List<Provider> providers, Set<Address> storageGateways) throws IOException {
        this.providers = providers;
        this.storageGateways = Set.copyOf(storageGateways);
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

    /** How many bids were placed so far. */
    /** The audits storage gateways reported, once each by id, in the order they arrived. */
    public synchronized List<AuditReport.Audit> audits() {
        return List.copyOf(audits.values());
    }

    public int bidCount() {
        return bids.size();
    }

    /** The Idempotency-Key of every bid request so far, in order (null for a request without one). */
    public List<String> keysSent() {
        return List.copyOf(keysSent);
    }

    /**
     * The next {@code count} bid placements lose their answer: the bid is placed (and leased) as usual, then the caller
     * gets a 502 instead of it, as when the connection breaks after the marketplace committed.
     */
    public void loseAnswers(int count) {
        loseAnswers.set(count);
    }

    /** The storage gateway that brokered a bid or lease, or null when its owner placed it. */
    public Address brokerOf(UUID id) {
        return brokers.get(id);
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
                    BidSpec spec = JsonCodec.read(body, BidSpec.class);
                    if (spec.payer() != null && !spec.payer().equals(caller) && !storageGateways.contains(caller)) {
                        answer(exchange, 403, Map.of("type", "urn:agora:problem:forbidden"));
                        return;
                    }
                    String key = cloud.agora.protocol.market.IdempotencyKeys.parse(
                            exchange.getRequestHeaders().getFirst(cloud.agora.protocol.market.IdempotencyKeys.HEADER));
                    keysSent.add(key);
                    String scope = key == null ? null : caller.value() + " " + key;
                    if (scope != null && keys.containsKey(scope)) {
                        UUID earlier = keys.get(scope);
                        if (!specs.get(earlier).equals(spec)) {
                            answer(exchange, 422, Map.of("type", "urn:agora:problem:idempotency-key-reused"));
                            return;
                        }
                        exchange.getResponseHeaders().set(cloud.agora.protocol.market.IdempotencyKeys.REPLAYED_HEADER, "true");
                        answer(exchange, 200, bids.get(earlier));
                        return;
                    }
                    BidView placed = bid(caller, spec);
                    specs.put(placed.id(), spec);
                    if (scope != null) {
                        keys.put(scope, placed.id());
                    }
                    if (loseAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        answer(exchange, 502, Map.of("type", "urn:agora:problem:bad-gateway"));
                        return;
                    }
                    answer(exchange, 201, placed);
                } else if (parts[0].equals("bids") && parts.length == 2) {
                    BidView bid = bids.get(UUID.fromString(parts[1]));
                    if (!bid.owner().equals(caller) && !caller.equals(brokers.get(bid.id()))) {
                        answer(exchange, 403, Map.of("type", "urn:agora:problem:forbidden"));
                        return;
                    }
                    if (method.equals("DELETE") && bid.status() == BidStatus.OPEN) {
                        bid = new BidView(bid.id(), bid.owner(), bid.kind(), bid.resources(), bid.replicas(),
                                bid.matchedReplicas(), bid.maxPrices(), bid.constraints(), BidStatus.CANCELLED,
                                bid.createdAt(), bid.expiresAt(), bid.leaseIds(), bid.unmatchedReasons());
                        bids.put(bid.id(), bid);
                    }
                    answer(exchange, 200, bid);
                } else if (parts[0].equals("audits") && parts.length == 1 && method.equals("POST")) {
                    // as the marketplace: only a storage gateway, only for leases it brokered, whole or nothing
                    AuditReport report = JsonCodec.read(body, AuditReport.class);
                    if (!storageGateways.contains(caller)) {
                        answer(exchange, 403, Map.of("type", "urn:agora:problem:forbidden"));
                        return;
                    }
                    if (report.audits().stream().anyMatch(a -> !caller.equals(brokers.get(a.leaseId())))) {
                        answer(exchange, 422, Map.of("type", "urn:agora:problem:invalid-audit-report"));
                        return;
                    }
                    int counted = 0;
                    for (AuditReport.Audit audit : report.audits()) {
                        if (audits.putIfAbsent(audit.id(), audit) == null) {
                            counted++;
                        }
                    }
                    answer(exchange, 200, Map.of("counted", counted));
                } else if (parts[0].equals("leases") && parts.length >= 2 && !isParty(leases.get(UUID.fromString(parts[1])), caller)) {
                    answer(exchange, 403, Map.of("type", "urn:agora:problem:forbidden"));
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

    private boolean isParty(LeaseView lease, Address caller) {
        return lease != null && (lease.owner().equals(caller) || lease.provider().equals(caller)
                || caller.equals(brokers.get(lease.id())));
    }

    private BidView bid(Address bidder, BidSpec spec) {
        if (spec.kind() != BidKind.STORAGE || spec.resources().storageGiB() < 1) {
            throw new IllegalArgumentException("the gateway must place storage bids of at least 1 GiB: " + spec);
        }
        boolean brokered = spec.payer() != null && !spec.payer().equals(bidder);
        Address owner = brokered ? spec.payer() : bidder;
        UUID bidId = UUID.randomUUID();
        if (brokered) {
            brokers.put(bidId, bidder);
        }
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
                if (brokered) {
                    brokers.put(lease.id(), bidder);
                }
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
