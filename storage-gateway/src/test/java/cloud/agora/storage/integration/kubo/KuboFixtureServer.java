package cloud.agora.storage.integration.kubo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for a Kubo node's RPC port (no Kubo binary can be installed here): answers
 * {@code /api/v0/add}, {@code block/get}, {@code pin/add} and {@code pin/rm} with the response
 * bodies under {@code src/test/resources/kubo/}, in Kubo's formats (JSON objects with
 * capitalised fields, errors as HTTP 500 {@code {"Message","Code","Type":"error"}}), and
 * records every request so tests can check what the client sent.
 */
public class KuboFixtureServer implements QuarkusTestResourceLifecycleManager {

    /** A request as received. */
    public record Request(String method, String path, String query, String contentType, byte[] body) {
    }

    public static final List<Request> REQUESTS = new CopyOnWriteArrayList<>();

    /** When set, block/get answers these bytes for every CID (a node returning wrong data). */
    public static volatile byte[] tamperedBlock;

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/api/v0/", this::handle);
        server.start();
        return Map.of("agora.storage.backend", "kubo",
                "quarkus.rest-client.kubo.url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getQuery() == null ? "" : exchange.getRequestURI().getQuery();
        byte[] body = exchange.getRequestBody().readAllBytes();
        REQUESTS.add(new Request(exchange.getRequestMethod(), path, query,
                exchange.getRequestHeaders().getFirst("Content-Type"), body));
        String arg = query.replaceAll(".*arg=([^&]*).*", "$1");
        switch (path) {
            case "/api/v0/add" -> respond(exchange, 200, "application/json",
                    query.contains("cid-version=1") ? "add-hello-v1.json" : "add-hello-v0.json");
            case "/api/v0/block/get" -> {
                if (tamperedBlock != null) {
                    respond(exchange, 200, "text/plain", tamperedBlock);
                } else if (getClass().getResource("/kubo/block-" + arg + ".bin") != null) {
                    respond(exchange, 200, "text/plain", "block-" + arg + ".bin");
                } else {
                    respond(exchange, 500, "application/json", "error-block-not-found.json");
                }
            }
            case "/api/v0/pin/add" -> respond(exchange, arg.startsWith("QmT78") ? 200 : 500, "application/json",
                    arg.startsWith("QmT78") ? "pin-add.json" : "error-block-not-found.json");
            case "/api/v0/pin/rm" -> respond(exchange, arg.startsWith("QmT78") ? 200 : 500, "application/json",
                    arg.startsWith("QmT78") ? "pin-rm.json" : "error-not-pinned.json");
            default -> respond(exchange, 404, "text/plain", "404 page not found".getBytes());
        }
    }

    private void respond(HttpExchange exchange, int status, String type, String fixture) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/kubo/" + fixture)) {
            respond(exchange, status, type, in.readAllBytes());
        }
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
