package cloud.agora.agent.journal;

import cloud.agora.protocol.api.BillingUsageApi;
import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInExchange;
import cloud.agora.protocol.auth.SignInChallenges;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.ReceiptPrefixTree;
import cloud.agora.protocol.usage.ReceiptTreeQuery;
import cloud.agora.protocol.usage.UsageReceipt;
import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Billing's agent-facing surface as another process would show it: Sign-In with Ethereum with
 * the platform's real challenge and token code (protocol), and {@code POST /api/v1/usage/batches}
 * taking only the caller's own receipts, and anti-entropy's {@code POST /api/v1/usage/tree-nodes} answered with
 * protocol's real prefix tree over the caller's receipts it holds. It can be down (503), lose its answer after taking a
 * batch, forget every token it issued, or lose receipts it took. Binds port 0.
 */
final class FakeBilling implements AutoCloseable {

    enum Mode { UP, DOWN, TAKE_THEN_DROP_ANSWER }

    private final HttpServer server;
    private final SignInChallenges challenges;
    private volatile AccessTokens tokens = new AccessTokens(secret(), Duration.ofMinutes(10));
    private volatile Mode mode = Mode.UP;
    final List<UUID> received = new CopyOnWriteArrayList<>();
    /** What it holds, by invocation id. */
    final Map<UUID, UsageReceipt> held = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicInteger treeQueries = new AtomicInteger();
    final AtomicInteger batchRequests = new AtomicInteger();
    final AtomicInteger signIns = new AtomicInteger();

    FakeBilling() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String url = url();
        challenges = new SignInChallenges(secret(), "127.0.0.1:" + server.getAddress().getPort(), url, 31337,
                Duration.ofMinutes(5));
        server.createContext("/api/v1/auth/challenge", ex -> {
            if (down(ex)) {
                return;
            }
            SignInExchange.ChallengeRequest request = JsonCodec.read(
                    new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), SignInExchange.ChallengeRequest.class);
            answer(ex, 200, new SignInExchange.Challenge(challenges.challenge(request.address(), Instant.now()).toText(), null));
        });
        server.createContext("/api/v1/auth/token", ex -> {
            if (down(ex)) {
                return;
            }
            SignInExchange.TokenRequest request = JsonCodec.read(
                    new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), SignInExchange.TokenRequest.class);
            Address who = challenges.verify(request.message(), request.signature(), Instant.now());
            AccessTokens.IssuedToken token = tokens.issue(who, Instant.now());
            signIns.incrementAndGet();
            answer(ex, 200, token);
        });
        server.createContext("/api/v1/usage/batches", ex -> {
            batchRequests.incrementAndGet();
            if (down(ex)) {
                return;
            }
            Address caller;
            try {
                caller = tokens.verify(ex.getRequestHeaders().getFirst("Authorization").substring("Bearer ".length()),
                        Instant.now());
            } catch (RuntimeException e) {
                answer(ex, 401, Map.of("type", "urn:agora:problem:unauthenticated"));
                return;
            }
            ReceiptBatch batch = JsonCodec.read(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    ReceiptBatch.class);
            if (!batch.attestation().signer().equals(caller) || batch.problem(batch.hashes(), new SignerKeys()).isPresent()) {
                answer(ex, 403, Map.of("type", "urn:agora:problem:access-denied"));
                return;
            }
            batch.receipts().forEach(r -> {
                received.add(r.invocationId());
                held.put(r.invocationId(), r);
            });
            if (mode == Mode.TAKE_THEN_DROP_ANSWER) {
                ex.getResponseBody().close();
                ex.close();
                return;
            }
            answer(ex, 200, new BillingUsageApi.BatchResult(batch.receipts().size(), List.of(), List.of()));
        });
        server.createContext("/api/v1/usage/tree-nodes", ex -> {
            treeQueries.incrementAndGet();
            if (down(ex)) {
                return;
            }
            Address caller;
            try {
                caller = tokens.verify(ex.getRequestHeaders().getFirst("Authorization").substring("Bearer ".length()),
                        Instant.now());
            } catch (RuntimeException e) {
                answer(ex, 401, Map.of("type", "urn:agora:problem:unauthenticated"));
                return;
            }
            ReceiptTreeQuery query = JsonCodec.read(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    ReceiptTreeQuery.class);
            if (refusedLeases.contains(query.leaseId())) {
                answer(ex, 403, Map.of("type", "urn:agora:problem:access-denied"));
                return;
            }
            List<byte[]> hashes = held.values().stream().filter(r -> r.provider().equals(caller)
                    && r.leaseId().equals(query.leaseId())
                    && r.endedAt().atZone(java.time.ZoneOffset.UTC).toLocalDate().equals(query.day()))
                    .map(UsageReceipt::hash).toList();
            answer(ex, 200, ReceiptPrefixTree.of(hashes).answer(query));
        });
        server.start();
    }

    /** Leases it answers 403 for (it does not know them as the caller's). */
    final java.util.Set<UUID> refusedLeases = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Loses these receipts (a restore from an older backup). */
    void lose(java.util.Collection<UUID> invocationIds) {
        invocationIds.forEach(held::remove);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void mode(Mode mode) {
        this.mode = mode;
    }

    /** Every token issued so far stops working (a restarted billing with a new secret). */
    void forgetTokens() {
        tokens = new AccessTokens(secret(), Duration.ofMinutes(10));
    }

    private boolean down(HttpExchange ex) throws IOException {
        if (mode == Mode.DOWN) {
            answer(ex, 503, Map.of("type", "urn:agora:problem:unavailable"));
            return true;
        }
        return false;
    }

    private static void answer(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JsonCodec.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private static byte[] secret() {
        return UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
