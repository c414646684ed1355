package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.functions.Bundles;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway that is not on a local network ({@code agora.functions.local-network=false}, the default) sends nothing
 * — no call, env, grant or health probe — to an agent endpoint on a loopback or private address: a provider cannot
 * turn the gateway against the platform's own network. (The stand-in agent listens on 127.0.0.1.)
 */
@QuarkusTest
@TestProfile(PublicNetworkTest.PublicNetwork.class)
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class PublicNetworkTest {

    /** The production default: agent endpoints must be public addresses. */
    public static class PublicNetwork implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agora.functions.local-network", "false");
        }
    }

    @Inject
    AgroalDataSource dataSource;

    Developer dev;
    String name;
    AgentStub agent;

    @BeforeEach
    void deploy() throws Exception {
        dev = Developer.signedIn();
        name = "private-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        agent = new AgentStub();
        dev.deployOn(name, agent.endpoint());
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    @Test
    void anAgentOnAPrivateAddressIsNeverCalledNorProbedAndTheCallerGetsAProblem() throws Exception {
        List<Long> before = Rows.counts(dataSource);
        given().body("secret-payload").when().post("/fn/" + name + "/x").then().statusCode(502)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:agent-endpoint-refused"))
                .body("detail", containsString(agent.provider.address().checksummed()));
        given().body("x").when().post("/api/v1/functions/" + name + "/invocations").then().statusCode(202);
        // the async attempt ends FAILED with the same problem (it could never start anywhere)
        String id = null;
        try (var c = dataSource.getConnection(); var s = c.prepareStatement(
                "SELECT a.id FROM async_invocations a JOIN functions f ON f.id = a.function_id WHERE f.name = ?")) {
            s.setString(1, name);
            try (var r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                id = r.getObject(1).toString();
            }
        }
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        String status = "QUEUED";
        while (System.nanoTime() < deadline && (status.equals("QUEUED") || status.equals("RUNNING"))) {
            status = dev.get("/api/v1/invocations/" + id).statusCode(200).extract().path("status");
            Thread.sleep(50);
        }
        dev.get("/api/v1/invocations/" + id).statusCode(200).body("status", equalTo("FAILED"))
                .body("error.type", equalTo("urn:agora:problem:agent-endpoint-refused"));
        // nothing reached the agent: no call, no env, no grant, no health probe (probes run every 200 ms here)
        assertThat(agent.requests.get()).isZero();
        assertThat(agent.calls).isEmpty();
        assertThat(agent.refusals).isEmpty();
        // no call was recorded: the sync call and the async attempt wrote no invocation row
        List<Long> after = Rows.counts(dataSource);
        assertThat(after.get(4)).isEqualTo(before.get(4));
    }
}
