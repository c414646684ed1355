package cloud.agora.agent.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.lease.MarketplaceUnavailableException;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.GatewayKeys;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import cloud.agora.agent.api.AgentTestResource;
import cloud.agora.testsupport.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The marketplace's {@code GET /api/v1/gateways} as a stand-in serves it (the contract: public, JSON
 * {@link GatewayKeys}); the agent learns from it, retrying through an outage.
 */
// inside the agent's application (the one every @QuarkusTest of the agent shares): the REST clients are Quarkus's
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class MarketplaceGatewayDirectoryTest {

    static final Address FUNCTIONS = Address.parse("0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a");
    static final Address STORAGE = Address.parse("0x1563915e194d8cfba1943570603f7606a3115508");

    HttpServer marketplace;
    final AtomicInteger status = new AtomicInteger(200);
    final AtomicReference<String> authorization = new AtomicReference<>();

    @BeforeEach
    void startMarketplace() throws Exception {
        marketplace = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        marketplace.createContext("/api/v1/gateways", exchange -> {
            authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = status.get() == 200
                    ? JsonCodec.write(new GatewayKeys(List.of(FUNCTIONS), List.of(STORAGE))).getBytes(StandardCharsets.UTF_8)
                    : "{\"type\":\"urn:agora:problem:unavailable\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        marketplace.start();
    }

    @AfterEach
    void stop() {
        marketplace.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + marketplace.getAddress().getPort();
    }

    @Test
    void readsThePublishedKeysWithoutSigningIn() {
        GatewayKeys keys = new MarketplaceGatewayDirectory(url()).gateways();
        assertThat(keys.functions()).containsExactly(FUNCTIONS);
        assertThat(keys.storage()).containsExactly(STORAGE);
        assertThat(authorization.get()).isNull();
    }

    @Test
    void anOutageIsUnavailableAndTheAgentLearnsOnceTheMarketplaceAnswers() {
        GatewayTrust trust = GatewayTrust.learning(Duration.ofSeconds(30));
        MarketplaceGatewayDirectory directory = new MarketplaceGatewayDirectory(url() + "/");
        status.set(503);
        assertThatThrownBy(directory::gateways).isInstanceOf(MarketplaceUnavailableException.class);
        assertThat(trust.learnFrom(directory)).isFalse();
        assertThat(trust.functions()).isEmpty();

        status.set(200);
        assertThat(trust.learnFrom(directory)).isTrue();
        assertThat(trust.functions()).containsExactly(FUNCTIONS);
        assertThat(trust.storage()).containsExactly(STORAGE);
    }

    @Test
    void anUnreachableMarketplaceIsUnavailable() {
        String down = url();
        marketplace.stop(0);
        assertThatThrownBy(() -> new MarketplaceGatewayDirectory(down).gateways())
                .isInstanceOf(MarketplaceUnavailableException.class);
    }
}
