package cloud.agora.functions.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The shared part of the stand-ins for other services: a JDK HTTP server on a free loopback
 * port, started as a Quarkus test resource that points one config key at it.
 */
abstract class StubServer implements QuarkusTestResourceLifecycleManager {

    private HttpServer server;

    /** The config key that receives the server's base URL. */
    abstract String urlProperty();

    /** Registers the stand-in's handlers. */
    abstract void routes(HttpServer server);

    @Override
    public final Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        routes(server);
        server.start();
        return Map.of(urlProperty(), "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public final void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** A handler that closes the exchange and turns an unexpected exception into a 500. */
    static HttpHandler closing(HttpHandler handler) {
        return exchange -> {
            try (exchange) {
                handler.handle(exchange);
            } catch (RuntimeException e) {
                send(exchange, 500, "{\"detail\":\"stub: " + e + "\"}");
            }
        };
    }

    /** Sends a JSON body ({@code application/problem+json} for 4xx/5xx). */
    static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}
