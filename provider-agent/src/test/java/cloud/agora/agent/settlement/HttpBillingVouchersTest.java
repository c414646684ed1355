package cloud.agora.agent.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.api.AgentTestResource;
import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInChallenges;
import cloud.agora.protocol.auth.SignInExchange;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.money.Wei;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

/**
 * The voucher client against a stand-in billing with the platform's real sign-in: {@code GET /api/v1/vouchers
 * ?provider=} with the provider's token, the signed vouchers read back intact, a refusal an error carrying its problem.
 */
// inside the agent's application (the one every @QuarkusTest of the agent shares): the REST clients are Quarkus's
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class HttpBillingVouchersTest {

    static final ECKeyPair KEY = KeyFiles.parse("55".repeat(32));
    static final Address PROVIDER = PersonalSignature.addressOf(KEY);
    static final ECKeyPair DELEGATE = KeyFiles.parse("66".repeat(32));
    static final Address CONSUMER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    HttpServer server;
    SignInChallenges challenges;
    final AccessTokens tokens = new AccessTokens(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8),
            Duration.ofMinutes(10));
    final List<String> queries = new CopyOnWriteArrayList<>();
    final List<Address> callers = new CopyOnWriteArrayList<>();
    volatile int status = 200;
    final VoucherView issued = new VoucherView(3, SignedVoucher.sign(Eip712Domain.escrow(31337, CONSUMER),
            new Voucher(CONSUMER, PROVIDER, Wei.of(1_000_000), Bytes32.of(new byte[32])), DELEGATE), 30,
            Instant.parse("2026-03-01T12:00:00Z"), false);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        challenges = new SignInChallenges(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8), "127.0.0.1",
                url(), 31337, Duration.ofMinutes(5));
        server.createContext("/api/v1/auth/challenge", ex -> {
            SignInExchange.ChallengeRequest request = JsonCodec.read(body(ex), SignInExchange.ChallengeRequest.class);
            answer(ex, 200, new SignInExchange.Challenge(challenges.challenge(request.address(), Instant.now()).toText(),
                    null));
        });
        server.createContext("/api/v1/auth/token", ex -> {
            SignInExchange.TokenRequest request = JsonCodec.read(body(ex), SignInExchange.TokenRequest.class);
            answer(ex, 200, tokens.issue(challenges.verify(request.message(), request.signature(), Instant.now()),
                    Instant.now()));
        });
        server.createContext("/api/v1/vouchers", ex -> {
            callers.add(tokens.verify(ex.getRequestHeaders().getFirst("Authorization").substring("Bearer ".length()),
                    Instant.now()));
            queries.add(ex.getRequestURI().getQuery());
            if (status != 200) {
                answer(ex, status, Map.of("type", "urn:agora:problem:access-denied", "status", status));
                return;
            }
            answer(ex, 200, List.of(issued));
        });
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
    void readsTheProvidersLatestVouchersSignedInAsTheProvider() {
        List<VoucherView> vouchers = new HttpBillingVouchers(url(), PROVIDER, KEY, Clock.systemUTC()).latest();

        assertThat(vouchers).containsExactly(issued);
        assertThat(vouchers.get(0).voucher().signer(Eip712Domain.escrow(31337, CONSUMER)))
                .isEqualTo(PersonalSignature.addressOf(DELEGATE));
        assertThat(callers).containsExactly(PROVIDER);
        assertThat(queries).containsExactly("provider=" + PROVIDER);
    }

    @Test
    void aRefusalIsAnErrorCarryingBillingsProblem() {
        status = 403;
        assertThatThrownBy(() -> new HttpBillingVouchers(url(), PROVIDER, KEY, Clock.systemUTC()).latest())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("403")
                .hasMessageContaining("urn:agora:problem:access-denied");
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
}
