package cloud.agora.launcher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider's endpoint that misbehaves: an HTTP proxy in front of a real agent which forwards everything (health,
 * storage, sign-in) as it is, except the calls ({@code POST /api/v1/invocations}): a failing provider answers each with
 * a platform error (503) and runs nothing; a slow one forwards each after a delay. The agent advertises the proxy's
 * address as its endpoint ({@code AGENT_ENDPOINT}), so whoever calls the provider meets the fault.
 */
final class FaultyEndpoint implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "transfer-encoding",
            "expect", "upgrade", "keep-alive");

    private final HttpServer server;
    private final String target;
    private final boolean failCalls;
    private final Duration callDelay;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Calls ({@code POST /api/v1/invocations}) that reached the proxy. */
    final AtomicInteger calls = new AtomicInteger();
    /**
     * When set, the outcome this provider reports for a call that succeeded (the agent's reply's {@code status}
     * rewritten; its signed receipt untouched): an agent that misreports how calls ended.
     */
    volatile String reportedOutcome;

    private FaultyEndpoint(int port, String target, boolean failCalls, Duration callDelay) throws IOException {
        this.target = target;
        this.failCalls = failCalls;
        this.callDelay = callDelay;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    /** A provider at {@code port} whose every call fails on its side (the agent behind it runs none). */
    static FaultyEndpoint failing(int port, String target) throws IOException {
        return new FaultyEndpoint(port, target, true, Duration.ZERO);
    }

    /** A provider at {@code port} that answers every call {@code delay} late. */
    static FaultyEndpoint slow(int port, String target, Duration delay) throws IOException {
        return new FaultyEndpoint(port, target, false, delay);
    }

    String url() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean call = exchange.getRequestMethod().equals("POST")
                    && exchange.getRequestURI().getPath().equals("/api/v1/invocations");
            if (call) {
                calls.incrementAndGet();
                if (failCalls) {
                    byte[] problem = ("{\"type\":\"urn:agora:problem:runtime-unavailable\",\"title\":\"The provider"
                            + " cannot run calls\",\"status\":503}").getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
                    exchange.sendResponseHeaders(503, problem.length);
                    exchange.getResponseBody().write(problem);
                    return;
                }
                Thread.sleep(callDelay.toMillis());
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                    .timeout(Duration.ofSeconds(120))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                    values.forEach(v -> forward.header(name, v));
                }
            });
            HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            for (Map.Entry<String, List<String>> header : answer.headers().map().entrySet()) {
                if (!HOP_BY_HOP.contains(header.getKey().toLowerCase()) && !header.getKey().startsWith(":")) {
                    exchange.getResponseHeaders().put(header.getKey(), header.getValue());
                }
            }
            byte[] out = answer.body();
            String outcome = reportedOutcome;
            if (call && outcome != null) {
                out = new String(out, StandardCharsets.UTF_8).replaceFirst("\"status\"\\s*:\\s*\"OK\"",
                        "\"status\":\"" + outcome + "\"").getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(answer.statusCode(), out.length == 0 ? -1 : out.length);
            try (OutputStream response = exchange.getResponseBody()) {
                response.write(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the agent is away (restarting): the caller sees the connection end, as it would without the proxy
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
