package cloud.agora.functions.api;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A stand-in for the storage gateway's one endpoint this service calls, {@code POST
 * /api/v1/objects}, on a JDK HTTP server in the test JVM (the real gateway is another Quarkus
 * application and cannot start in this one). It answers {@code 201 {cid, size}} like the
 * real one, refuses a request without a bearer token with 401, and keeps what it received so
 * tests can tell whether an upload happened. Its CIDs are NOT real IPFS CIDs: {@code stub-}
 * + the SHA-256 of the body, which is enough to check that the gateway's answer is recorded.
 */
public class StorageGatewayStub extends StubServer {

    /** Bodies received, by the CID given for them. */
    public static final Map<String, byte[]> OBJECTS = new ConcurrentHashMap<>();
    /** Tokens seen, by the CID. */
    public static final Map<String, String> TOKENS = new ConcurrentHashMap<>();
    /** When set, every upload gets 503. */
    public static final AtomicBoolean DOWN = new AtomicBoolean();

    @Override
    String urlProperty() {
        return "quarkus.rest-client.storage-gateway.url";
    }

    @Override
    void routes(HttpServer server) {
        server.createContext("/api/v1/objects", closing(exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            if (auth == null || !auth.startsWith("Bearer ")) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            if (DOWN.get()) {
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String cid = "stub-" + HexFormat.of().formatHex(sha256(body));
            OBJECTS.put(cid, body);
            TOKENS.put(cid, auth.substring(7));
            byte[] answer = ("{\"cid\":\"" + cid + "\",\"size\":" + body.length + "}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("Location", "/ipfs/" + cid);
            exchange.sendResponseHeaders(201, answer.length);
            exchange.getResponseBody().write(answer);
        }));
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
