package cloud.agora.functions.api;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.GrantVerifier;
import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.protocol.invocation.InvocationReply;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.Wallet;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in provider agent: {@code POST /api/v1/invocations} with the protocol's {@link InvocationCall} and
 * {@link InvocationReply}. Like a real agent it runs nothing without a valid grant: {@link GrantVerifier} with the
 * test gateway's key ({@link GatewayKeyResource}) as the only trusted key and this stub's provider address, and the
 * grant must be for exactly the call's invocation, lease, bundle and a timeout no shorter than the call's; a refused
 * grant gets 403 with the verifier's problem slug, is kept in {@link #refusals} and runs nothing ({@link #calls}
 * unchanged). The "function" answers {@code hello <body>} and writes {@code got <body>} to stderr; a body
 * {@code slow} takes 1.5 s, {@code hold} answers once the test counts {@link #HOLD} down, {@code fail} exits 3 (stderr {@code boom}), {@code cold} answers from a container started
 * for it (every other call is warm), {@code forged} returns a receipt signed by a
 * key that is not the provider's. Receipts the gateway must not witness: {@code greedy} claims more CPU than the
 * lease's quota allows, {@code other-grant} names another grant than the one sent, {@code backdated} starts five
 * minutes before its grant, {@code long-wall} claims 5 s of wall time for a call answered at once. Answers the
 * gateway must not read whole: {@code huge} streams 64 MiB without a Content-Length, {@code huge-announced}
 * announces 1 GiB ({@link #oversizeBytesWritten} counts what got through). Every other reply carries a receipt
 * signed by this stub's provider key ({@link #PROVIDERS}, which {@link MarketplaceStub} puts on the leases it makes
 * for this endpoint) naming the call's grant, with fixed figures: 2 ms CPU, 10 MiB peak, 5 ms wall.
 */
final class AgentStub implements AutoCloseable {

    /** The provider key of each running stub, by endpoint. */
    static final Map<String, Wallet> PROVIDERS = new ConcurrentHashMap<>();
    static final long CPU_NANOS = 2_000_000;
    static final long PEAK_BYTES = 10L * 1024 * 1024;
    static final long WALL_MILLIS = 5;
    static final long HUGE_BYTES = 64L * 1024 * 1024;

    /** What a {@code hold} call waits for: counted down by the test to let every held call answer. */
    static final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> HOLD =
            new java.util.concurrent.atomic.AtomicReference<>(new java.util.concurrent.CountDownLatch(0));
    /** The {@code hold} calls this agent is holding now. */
    final AtomicInteger holding = new AtomicInteger();
    /** The calls this agent accepted (with a valid grant) and ran. */
    final List<JsonNode> calls = new CopyOnWriteArrayList<>();
    /** The grants of the calls it ran. */
    final List<InvocationGrant> grants = new CopyOnWriteArrayList<>();
    /** The receipts it returned, by invocation id. */
    final Map<UUID, UsageReceipt> receipts = new ConcurrentHashMap<>();
    /** Why calls were refused (the verifier's reason slugs). */
    final List<String> refusals = new CopyOnWriteArrayList<>();
    /** Requests of any kind (calls, health probes) that reached this stub. */
    final AtomicInteger requests = new AtomicInteger();
    /** Bytes of an oversized answer written before the gateway stopped reading. */
    final AtomicLong oversizeBytesWritten = new AtomicLong();
    /** Completes with {@link #oversizeBytesWritten} once the stub stopped writing an oversized answer. */
    final java.util.concurrent.CompletableFuture<Long> oversizeEnded = new java.util.concurrent.CompletableFuture<>();
    /** Health probes that reached this stub. */
    final AtomicInteger probes = new AtomicInteger();
    /** While false, every call is refused {@code 404 lease-not-held} before it runs (the lease is not known here yet). */
    volatile boolean holdsLeases = true;
    /** What {@code GET /q/health} answers: 200 while true, 503 otherwise. */
    volatile boolean healthy = true;
    final Wallet provider = Wallet.random();
    private final HttpServer server;
    private final String endpoint;
    private final ObjectMapper json = JsonCodec.mapper();
    private final GrantVerifier verifier = new GrantVerifier(() -> Set.of(GatewayKeyResource.address()),
            Duration.ofSeconds(30));
    private final Set<UUID> ran = ConcurrentHashMap.newKeySet();

    /**
     * Every port a stand-in agent (or a dead endpoint) ever had in this JVM. Deployments of earlier tests stay ACTIVE
     * and the gateway keeps probing their endpoints: a new stand-in on a port an earlier one had would inherit that
     * endpoint's failed probes and get no calls until the next probe passes.
     */
    private static final Set<Integer> USED_PORTS = ConcurrentHashMap.newKeySet();

    /** A server on a loopback port no earlier stand-in or dead endpoint had. */
    private static HttpServer freshServer() throws IOException {
        List<HttpServer> taken = new java.util.ArrayList<>();
        try {
            while (true) {
                HttpServer candidate = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                if (USED_PORTS.add(candidate.getAddress().getPort())) {
                    return candidate;
                }
                taken.add(candidate); // held open until a fresh port comes up, so the same one is not offered again
            }
        } finally {
            taken.forEach(t -> t.stop(0));
        }
    }

    AgentStub() throws IOException {
        this(freshServer(), null);
    }

    /** A stand-in listening on {@code bind} that the platform knows by {@code endpoint} (a host name, say). */
    AgentStub(InetSocketAddress bind, String endpoint) throws IOException {
        this(HttpServer.create(bind, 0), endpoint);
    }

    private AgentStub(HttpServer server, String endpoint) {
        this.server = server;
        this.endpoint = endpoint;
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/api/v1/invocations", exchange -> {
            requests.incrementAndGet();
            try (exchange) {
                byte[] raw = exchange.getRequestBody().readAllBytes();
                InvocationCall call = json.readValue(raw, InvocationCall.class);
                if (!holdsLeases) { // as an agent that has not heard of the lease yet: before any claim, as the agent
                    send(exchange, 404, json.writeValueAsBytes(Map.of("type", "urn:agora:problem:lease-not-held",
                            "title", "Lease not held", "status", 404)));
                    return;
                }
                Optional<GrantVerifier.Rejection> refused = grantProblem(call);
                if (refused.isPresent()) {
                    refusals.add(refused.get().reason());
                    send(exchange, 403, json.writeValueAsBytes(Map.of("type", "urn:agora:problem:" + refused.get().reason(),
                            "title", "grant refused", "status", 403, "detail", refused.get().detail())));
                    return;
                }
                calls.add(json.readTree(raw));
                grants.add(call.grant());
                run(exchange, call);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.createContext("/q/health", exchange -> {
            requests.incrementAndGet();
            probes.incrementAndGet();
            try (exchange) {
                exchange.sendResponseHeaders(healthy ? 200 : 503, -1);
            }
        });
        server.start();
        PROVIDERS.put(endpoint(), provider);
    }

    /** What a real agent checks before it runs a call. */
    private Optional<GrantVerifier.Rejection> grantProblem(InvocationCall call) {
        Optional<GrantVerifier.Rejection> refused = verifier.check(call.grant(), provider.address(), Instant.now());
        if (refused.isPresent()) {
            return refused;
        }
        InvocationGrant grant = call.grant();
        if (!grant.invocationId().equals(call.invocationId()) || !grant.leaseId().equals(call.leaseId())
                || !grant.bundle().equals(call.bundle()) || call.timeoutMillis() == null
                || call.timeoutMillis() > grant.timeoutMillis()) {
            return Optional.of(new GrantVerifier.Rejection(GrantVerifier.Rejection.MISMATCH, "the grant is for another call"));
        }
        if (!ran.add(call.invocationId())) {
            return Optional.of(new GrantVerifier.Rejection(GrantVerifier.Rejection.REPLAYED, "already ran"));
        }
        return Optional.empty();
    }

    private void run(HttpExchange exchange, InvocationCall call) throws IOException, InterruptedException {
        String input = new String(call.body(), StandardCharsets.UTF_8);
        if (input.equals("slow")) {
            Thread.sleep(1500);
        }
        if (input.equals("hold")) { // held until the test lets every held call go
            holding.incrementAndGet();
            try {
                HOLD.get().await(60, java.util.concurrent.TimeUnit.SECONDS);
            } finally {
                holding.decrementAndGet();
            }
        }
        if (input.equals("huge") || input.equals("huge-announced")) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, input.equals("huge") ? 0 : 1L << 30);
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            OutputStream out = exchange.getResponseBody();
            try {
                out.write('{');
                for (long sent = 0; sent < HUGE_BYTES; sent += chunk.length) {
                    out.write(chunk);
                    out.flush();
                    oversizeBytesWritten.addAndGet(chunk.length);
                }
            } catch (IOException closed) {
                // the gateway stopped reading: what it refuses is not sent whole
            } finally {
                oversizeEnded.complete(oversizeBytesWritten.get());
            }
            return;
        }
        boolean fail = input.equals("fail");
        byte[] output = ("hello " + input).getBytes(StandardCharsets.UTF_8);
        LeaseView lease = MarketplaceStub.LEASES.get(call.leaseId());
        Address consumer = lease == null ? provider.address() : lease.owner();
        Instant end = Instant.now();
        long cpu = input.equals("greedy") ? 10_000_000_000L : CPU_NANOS;
        long wall = input.equals("long-wall") ? 5_000 : WALL_MILLIS;
        Instant start = input.equals("backdated") ? call.grant().issuedAt().minus(Duration.ofMinutes(5)) : end.minusMillis(wall);
        if (input.equals("backdated")) {
            end = start.plusMillis(wall);
        }
        InvocationGrant named = input.equals("other-grant") ? otherGrant(call.grant()) : call.grant();
        UsageReceipt receipt = UsageReceipt.unsigned(call.invocationId(), call.leaseId(), provider.address(), consumer, cpu,
                PEAK_BYTES, wall, call.body().length, output.length, start, end, named);
        UsageReceipt signed = input.equals("forged") ? forge(receipt) : receipt.signedByProvider(provider.key());
        receipts.put(call.invocationId(), signed);
        InvocationReply reply = new InvocationReply(call.invocationId(),
                fail ? InvocationOutcome.FUNCTION_ERROR : InvocationOutcome.OK, fail ? 3 : 0, output,
                "got " + input + "\n" + (fail ? "boom\n" : ""), false, !input.equals("cold"), signed);
        if ("http".equals(call.mode())) {
            // what an HTTP-mode function answered, hop-by-hop and platform headers included, as a careless server might
            reply = new InvocationReply(reply.invocationId(), reply.status(), reply.exitCode(), output, reply.stderr(), false,
                    true, signed, 418, Map.of("content-type", List.of("text/plain; charset=utf-8"), "set-cookie",
                            List.of("a=1", "b=2"), "agora-provider", List.of("0xnot-the-provider"), "connection",
                            List.of("close")));
        }
        send(exchange, 200, json.writeValueAsBytes(reply));
    }

    /** A grant for the same call with a longer timeout, signed by a key that is not the gateway's. */
    private static InvocationGrant otherGrant(InvocationGrant grant) {
        return new InvocationGrant(grant.invocationId(), grant.leaseId(), grant.provider(), grant.consumer(), grant.bundle(),
                grant.timeoutMillis() * 10, grant.issuedAt(), grant.expiresAt(), null).signedBy(Wallet.random().key());
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    /** A receipt that claims this provider but is signed by another key. */
    private static UsageReceipt forge(UsageReceipt receipt) {
        Wallet other = Wallet.random();
        UsageReceipt byOther = new UsageReceipt(receipt.invocationId(), receipt.leaseId(), other.address(), receipt.consumer(),
                receipt.cpuNanos(), receipt.peakMemoryBytes(), receipt.memoryMibMillis(), receipt.wallMillis(),
                receipt.bytesIn(), receipt.bytesOut(), receipt.startedAt(), receipt.endedAt(), receipt.grant(), null, null)
                .signedByProvider(other.key());
        return new UsageReceipt(receipt.invocationId(), receipt.leaseId(), receipt.provider(), receipt.consumer(),
                receipt.cpuNanos(), receipt.peakMemoryBytes(), receipt.memoryMibMillis(), receipt.wallMillis(),
                receipt.bytesIn(), receipt.bytesOut(), receipt.startedAt(), receipt.endedAt(), receipt.grant(),
                byOther.providerSignature(), null);
    }

    /** The port the stand-in listens on. */
    int port() {
        return server.getAddress().getPort();
    }

    String endpoint() {
        return endpoint != null ? endpoint : "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** An endpoint where nothing listens (a port just released). */
    static String dead() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            USED_PORTS.add(socket.getLocalPort());
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        PROVIDERS.remove(endpoint());
        server.stop(0);
    }
}
