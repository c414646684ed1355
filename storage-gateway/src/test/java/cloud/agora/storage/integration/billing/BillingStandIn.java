package cloud.agora.storage.integration.billing;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.money.Wei;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for billing's one endpoint the storage gateway calls, {@code GET /api/v1/accounts/{address}/credit}, on
 * a JDK HTTP server in the test JVM. Like billing it answers only the token's own subject (the platform's real
 * access tokens, the test profile's secret) with the protocol's {@link CreditView}: a credit a test scripted for the
 * address ({@link #CREDIT}), else an account in good standing. {@link #ASKED} counts the answered questions.
 */
public class BillingStandIn implements QuarkusTestResourceLifecycleManager {

    /** Scripted credits by lower-case address. */
    public static final Map<String, CreditView> CREDIT = new ConcurrentHashMap<>();
    /** How many credit questions were answered. */
    public static final AtomicInteger ASKED = new AtomicInteger();
    /** When set, every question gets 503. */
    public static final AtomicBoolean DOWN = new AtomicBoolean();

    private static final AccessTokens TOKENS = new AccessTokens(
            "storage-gateway-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8), Duration.ofHours(1));

    private HttpServer server;

    /** An account billing collects nothing from, for {@code reason} ({@link CreditView#NOT_AUTHORIZED}, ...). */
    public static CreditView unpaid(Address account, String reason) {
        return new CreditView(account, Wei.ZERO, Wei.ZERO, Wei.ZERO, Wei.ZERO, BigInteger.ZERO, Wei.ZERO, true, reason);
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/api/v1/accounts/", exchange -> {
            try (exchange) {
                answer(exchange);
            }
        });
        server.start();
        return Map.of("quarkus.rest-client.billing.url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static void answer(HttpExchange exchange) throws IOException {
        String[] path = exchange.getRequestURI().getPath().split("/");
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (!"GET".equals(exchange.getRequestMethod()) || path.length != 6 || !"credit".equals(path[5])) {
            send(exchange, 404, "{\"title\":\"stand-in: not found\"}");
            return;
        }
        Address account = Address.parse(path[4]);
        Address subject;
        try {
            subject = TOKENS.verify(auth == null ? "" : auth.substring(auth.indexOf(' ') + 1), Instant.now());
        } catch (RuntimeException e) {
            send(exchange, 401, "{\"title\":\"stand-in: no valid token\"}");
            return;
        }
        if (!subject.equals(account)) {
            send(exchange, 403, "{\"title\":\"stand-in: only the owner sees its credit\"}");
            return;
        }
        if (DOWN.get()) {
            send(exchange, 503, "{\"title\":\"stand-in: down\"}");
            return;
        }
        ASKED.incrementAndGet();
        CreditView credit = CREDIT.getOrDefault(account.value().toLowerCase(Locale.ROOT), new CreditView(account,
                Wei.of(1_000_000_000L), Wei.ZERO, Wei.of(1_000_000_000L), Wei.ZERO, BigInteger.valueOf(1_000_000_000L),
                Wei.ZERO, false, null));
        send(exchange, 200, JsonCodec.write(credit));
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
