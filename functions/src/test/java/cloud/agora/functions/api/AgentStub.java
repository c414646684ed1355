package cloud.agora.functions.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.time.Instant;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.Wallet;

/**
 * A stand-in provider agent: {@code POST /api/v1/invocations} with the agent's request and
 * reply shapes, requiring the gateway's bearer secret. The "function" answers
 * {@code hello <body>} and writes {@code got <body>} to stderr; a body {@code slow} takes 1.5 s,
 * {@code fail} exits 3 (stderr {@code boom}), {@code forged} returns a receipt signed by a key
 * that is not the provider's. Every other reply carries a receipt signed by this stub's own
 * provider key ({@link #PROVIDERS}, which {@link MarketplaceStub} puts on the leases it makes
 * for this endpoint), with fixed figures: 2 ms CPU, 10 MiB peak, 5 ms wall.
 */
final class AgentStub implements AutoCloseable {

    static final String TOKEN = "gateway-test-token";

    /** The provider key of each running stub, by endpoint. */
    static final Map<String, Wallet> PROVIDERS = new ConcurrentHashMap<>();
    static final long CPU_NANOS = 2_000_000;
    static final long PEAK_BYTES = 10L * 1024 * 1024;
    static final long WALL_MILLIS = 5;

    final List<JsonNode> calls = new CopyOnWriteArrayList<>();
    /** What {@code GET /q/health} answers: 200 while true, 503 otherwise. */
    volatile boolean healthy = true;
    final Wallet provider = Wallet.random();
    private final HttpServer server;
    private final ObjectMapper json = JsonCodec.mapper();

    AgentStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/api/v1/invocations", exchange -> {
            try (exchange) {
                if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                JsonNode call = json.readTree(exchange.getRequestBody().readAllBytes());
                calls.add(call);
                String input = new String(Base64.getDecoder().decode(call.path("body").asText()), StandardCharsets.UTF_8);
                if (input.equals("slow")) {
                    Thread.sleep(1500);
                }
                boolean fail = input.equals("fail");
                byte[] output = ("hello " + input).getBytes(StandardCharsets.UTF_8);
                String out = Base64.getEncoder().encodeToString(output);
                UUID leaseId = UUID.fromString(call.path("leaseId").asText());
                LeaseView lease = MarketplaceStub.LEASES.get(leaseId);
                Instant end = Instant.now();
                UsageReceipt receipt = UsageReceipt.unsigned(UUID.fromString(call.path("invocationId").asText()), leaseId,
                        provider.address(), lease == null ? provider.address() : lease.owner(), CPU_NANOS, PEAK_BYTES,
                        WALL_MILLIS, input.length(), output.length, end.minusMillis(WALL_MILLIS), end);
                UsageReceipt signed = input.equals("forged") ? forge(receipt) : receipt.signedByProvider(provider.key());
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("invocationId", call.path("invocationId").asText());
                answer.put("status", fail ? "FUNCTION_ERROR" : "OK");
                answer.put("exitCode", fail ? 3 : 0);
                answer.put("body", out);
                answer.put("warm", true);
                answer.put("receipt", signed);
                answer.put("stderr", "got " + input + "\n" + (fail ? "boom\n" : ""));
                answer.put("stderrTruncated", false);
                byte[] reply = json.writeValueAsBytes(answer);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, reply.length);
                exchange.getResponseBody().write(reply);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.createContext("/q/health", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(healthy ? 200 : 503, -1);
            }
        });
        server.start();
        PROVIDERS.put(endpoint(), provider);
    }

    /** A receipt that claims this provider but is signed by another key. */
    private static UsageReceipt forge(UsageReceipt receipt) {
        Wallet other = Wallet.random();
        UsageReceipt byOther = new UsageReceipt(receipt.invocationId(), receipt.leaseId(), other.address(), receipt.consumer(),
                receipt.cpuNanos(), receipt.peakMemoryBytes(), receipt.memoryMibMillis(), receipt.wallMillis(),
                receipt.bytesIn(), receipt.bytesOut(), receipt.startedAt(), receipt.endedAt(), null, null)
                .signedByProvider(other.key());
        return new UsageReceipt(receipt.invocationId(), receipt.leaseId(), receipt.provider(), receipt.consumer(),
                receipt.cpuNanos(), receipt.peakMemoryBytes(), receipt.memoryMibMillis(), receipt.wallMillis(),
                receipt.bytesIn(), receipt.bytesOut(), receipt.startedAt(), receipt.endedAt(), byOther.providerSignature(),
                null);
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** An endpoint where nothing listens (a port just released). */
    static String dead() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        PROVIDERS.remove(endpoint());
        server.stop(0);
    }
}
