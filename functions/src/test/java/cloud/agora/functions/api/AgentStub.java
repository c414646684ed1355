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

/**
 * A stand-in provider agent: {@code POST /api/v1/invocations} with the agent's request and
 * reply shapes, requiring the gateway's bearer secret. The "function" answers
 * {@code hello <body>}; a body {@code slow} takes 1.5 s, {@code fail} exits 3.
 */
final class AgentStub implements AutoCloseable {

    static final String TOKEN = "gateway-test-token";

    final List<JsonNode> calls = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ObjectMapper json = new ObjectMapper();

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
                String out = Base64.getEncoder().encodeToString(("hello " + input).getBytes(StandardCharsets.UTF_8));
                byte[] reply = json.writeValueAsBytes(java.util.Map.of("invocationId", call.path("invocationId").asText(),
                        "status", fail ? "FUNCTION_ERROR" : "OK", "exitCode", fail ? 3 : 0, "body", out, "warm", true));
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, reply.length);
                exchange.getResponseBody().write(reply);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
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
        server.stop(0);
    }
}
