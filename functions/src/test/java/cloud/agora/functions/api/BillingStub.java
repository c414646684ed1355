package cloud.agora.functions.api;

import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.money.Wei;
import com.sun.net.httpserver.HttpServer;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for billing's one endpoint this service calls, {@code GET /api/v1/accounts/{address}/credit}, on a JDK
 * HTTP server in the test JVM. Like the real one it answers only the signed-in owner of the address (401 without a
 * token, 403 for another subject) with the protocol's {@link CreditView}: a credit a test scripted for the address
 * ({@link #CREDIT}), else a developer in good standing. {@link #ASKED} counts the questions.
 */
public class BillingStub extends StubServer {

    /** Scripted credits by lower-case address. */
    public static final Map<String, CreditView> CREDIT = new ConcurrentHashMap<>();
    /** How many credit questions were answered. */
    public static final AtomicInteger ASKED = new AtomicInteger();
    /** When set, every question gets 503. */
    public static final AtomicBoolean DOWN = new AtomicBoolean();

    @Override
    String urlProperty() {
        return "quarkus.rest-client.billing.url";
    }

    /** A developer billing will not collect for, for {@code reason}. */
    public static CreditView refused(Address developer, String reason) {
        return new CreditView(developer, Wei.of(1_000), Wei.ZERO, CreditView.NOT_AUTHORIZED.equals(reason) ? Wei.ZERO : Wei.of(1_000),
                Wei.of(1_500), BigInteger.valueOf(-500), Wei.ZERO, true, reason);
    }

    @Override
    void routes(HttpServer server) {
        server.createContext("/api/v1/accounts/", closing(exchange -> {
            String[] path = exchange.getRequestURI().getPath().split("/");
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (!"GET".equals(exchange.getRequestMethod()) || path.length != 6 || !"credit".equals(path[5])) {
                send(exchange, 404, "{\"title\":\"stub: not found\"}");
                return;
            }
            if (auth == null || !auth.startsWith("Bearer ")) {
                send(exchange, 401, "{\"title\":\"stub: no token\"}");
                return;
            }
            Address address = Address.parse(path[4]);
            if (!MarketplaceStub.subject(auth.substring(7)).equalsIgnoreCase(address.value())) {
                send(exchange, 403, "{\"title\":\"stub: only the owner sees its credit\"}");
                return;
            }
            if (DOWN.get()) {
                send(exchange, 503, "{\"title\":\"stub: down\"}");
                return;
            }
            ASKED.incrementAndGet();
            CreditView credit = CREDIT.getOrDefault(address.value().toLowerCase(Locale.ROOT), new CreditView(address,
                    Wei.of(1_000_000_000L), Wei.ZERO, Wei.of(1_000_000_000L), Wei.ZERO, BigInteger.valueOf(1_000_000_000L),
                    Wei.ZERO, false, null));
            send(exchange, 200, JsonCodec.write(credit));
        }));
    }
}
