package cloud.agora.agent.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.api.AgentTestResource;
import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInChallenges;
import cloud.agora.protocol.auth.SignInExchange;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.OfferView;
import cloud.agora.protocol.market.ProviderRegistration;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.testsupport.KafkaResource;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

/**
 * The agent's marketplace client against a stand-in marketplace process with the platform's real sign-in (protocol's
 * challenges and tokens): the paths, verbs and bodies the marketplace's resources take, a bearer token of the
 * provider's, a new sign-in when the marketplace forgets its tokens, and the outage/refusal split the reconciler and
 * the offer publisher rely on.
 */
// inside the agent's application (the one every @QuarkusTest of the agent shares): the REST clients are Quarkus's
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class RestMarketplaceTest {

    static final ECKeyPair KEY = KeyFiles.parse("44".repeat(32));
    static final Address PROVIDER = PersonalSignature.addressOf(KEY);
    static final Address OWNER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    /** One request as the stand-in saw it. */
    record Seen(String method, String path, String query, Address caller, String body) {
    }

    HttpServer server;
    SignInChallenges challenges;
    volatile AccessTokens tokens = newTokens();
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger signIns = new AtomicInteger();
    /** Status forced on the provider and lease endpoints (0: answer normally), with its problem body. */
    final Map<String, Object> forced = new ConcurrentHashMap<>();
    final LeaseView lease = new LeaseView(UUID.randomUUID(), UUID.randomUUID(), OWNER, PROVIDER, "http://agent",
            BidKind.COMPUTE, new Resources(500, 128, 0), new Prices(Wei.of(1), Wei.of(2), Wei.of(3), Wei.ZERO),
            LeaseState.ACTIVE, Instant.parse("2026-03-01T00:00:00Z"), null, null, null);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        challenges = new SignInChallenges(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8), "127.0.0.1", url(), 31337,
                Duration.ofMinutes(5));
        server.createContext("/api/v1/auth/challenge", ex -> {
            SignInExchange.ChallengeRequest request = JsonCodec.read(body(ex), SignInExchange.ChallengeRequest.class);
            answer(ex, 200, new SignInExchange.Challenge(challenges.challenge(request.address(), Instant.now()).toText(),
                    null));
        });
        server.createContext("/api/v1/auth/token", ex -> {
            SignInExchange.TokenRequest request = JsonCodec.read(body(ex), SignInExchange.TokenRequest.class);
            Address who = challenges.verify(request.message(), request.signature(), Instant.now());
            signIns.incrementAndGet();
            answer(ex, 200, tokens.issue(who, Instant.now()));
        });
        server.createContext("/api/v1/providers", this::signedIn);
        server.createContext("/api/v1/leases", this::signedIn);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void registersPublishesHeartbeatsAndListsItsLeasesSignedInAsTheProvider() {
        RestMarketplace marketplace = new RestMarketplace(url(), PROVIDER, KEY, Clock.systemUTC());
        ProviderRegistration registration = new ProviderRegistration(PROVIDER, "http://agent:8090", "eu-west",
                Map.of("gpu", "none"));
        OfferSpec offer = new OfferSpec(new Resources(4000, 8192, 10), new Prices(Wei.of(5), Wei.of(6), Wei.of(7), Wei.of(8)));
        Heartbeat heartbeat = new Heartbeat(new Resources(2000, 4096, 5));

        marketplace.register(registration);
        marketplace.publishOffer(offer);
        marketplace.heartbeat(heartbeat);
        List<LeaseView> leases = marketplace.leases();

        assertThat(leases).containsExactly(lease);
        assertThat(seen).extracting(Seen::method, Seen::path, Seen::caller).containsExactly(
                org.assertj.core.groups.Tuple.tuple("POST", "/api/v1/providers", PROVIDER),
                org.assertj.core.groups.Tuple.tuple("PUT", "/api/v1/providers/" + PROVIDER + "/offer", PROVIDER),
                org.assertj.core.groups.Tuple.tuple("POST", "/api/v1/providers/" + PROVIDER + "/heartbeat", PROVIDER),
                org.assertj.core.groups.Tuple.tuple("GET", "/api/v1/leases", PROVIDER));
        assertThat(JsonCodec.read(seen.get(0).body(), ProviderRegistration.class)).isEqualTo(registration);
        assertThat(JsonCodec.read(seen.get(1).body(), OfferSpec.class)).isEqualTo(offer);
        assertThat(JsonCodec.read(seen.get(2).body(), Heartbeat.class)).isEqualTo(heartbeat);
        assertThat(seen.get(3).query()).contains("provider=" + PROVIDER);
        assertThat(signIns.get()).isEqualTo(1);
    }

    @Test
    void signsInAgainWhenTheMarketplaceForgetsItsTokens() {
        RestMarketplace marketplace = new RestMarketplace(url(), PROVIDER, KEY, Clock.systemUTC());
        assertThat(marketplace.leases()).hasSize(1);
        tokens = newTokens();
        assertThat(marketplace.leases()).hasSize(1);
        assertThat(signIns.get()).isEqualTo(2);
        assertThat(seen).extracting(Seen::caller).containsExactly(PROVIDER, PROVIDER);
    }

    @Test
    void aServerErrorIsAnOutageAndARefusalCarriesTheMarketplacesProblem() {
        RestMarketplace marketplace = new RestMarketplace(url(), PROVIDER, KEY, Clock.systemUTC());
        forced.put("status", 503);
        assertThatThrownBy(marketplace::leases).isInstanceOf(MarketplaceUnavailableException.class)
                .hasMessageContaining("503");
        forced.put("status", 422);
        assertThatThrownBy(() -> marketplace.publishOffer(new OfferSpec(new Resources(1, 1, 0),
                new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.ZERO))))
                .isInstanceOf(IllegalStateException.class).isNotInstanceOf(MarketplaceUnavailableException.class)
                .hasMessageContaining("422").hasMessageContaining("urn:agora:problem:invalid-offer");
    }

    @Test
    void anUnreachableMarketplaceIsAnOutage() {
        String down = url();
        server.stop(0);
        assertThatThrownBy(() -> new RestMarketplace(down, PROVIDER, KEY, Clock.systemUTC()).heartbeat(new Heartbeat(Resources.NONE)))
                .isInstanceOf(MarketplaceUnavailableException.class);
    }

    private void signedIn(HttpExchange ex) throws IOException {
        Address caller;
        try {
            caller = tokens.verify(ex.getRequestHeaders().getFirst("Authorization").substring("Bearer ".length()),
                    Instant.now());
        } catch (RuntimeException e) {
            answer(ex, 401, Map.of("type", "urn:agora:problem:unauthenticated", "status", 401));
            return;
        }
        String body = body(ex);
        seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestURI().getQuery(), caller, body));
        Object status = forced.get("status");
        if (status != null) {
            answer(ex, (Integer) status, Map.of("type", "urn:agora:problem:invalid-offer", "status", status,
                    "detail", "forced by the test"));
            return;
        }
        if (ex.getRequestURI().getPath().equals("/api/v1/leases")) {
            answer(ex, 200, List.of(lease));
            return;
        }
        answer(ex, ex.getRequestMethod().equals("POST") && ex.getRequestURI().getPath().equals("/api/v1/providers") ? 201 : 200,
                new OfferView(caller, "http://agent:8090", "eu-west", Map.of(), Resources.NONE, Resources.NONE,
                        new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.ZERO), true, Instant.now(), 0));
    }

    private static String body(HttpExchange ex) throws IOException {
        return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void answer(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JsonCodec.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private static AccessTokens newTokens() {
        return new AccessTokens(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(10));
    }
}
