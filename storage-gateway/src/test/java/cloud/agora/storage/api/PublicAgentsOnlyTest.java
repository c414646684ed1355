package cloud.agora.storage.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.storage.domain.replica.Replica;
import cloud.agora.storage.integration.agent.StorageAgentServer;
import cloud.agora.storage.persistence.ReplicaRepository;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A gateway deployed as it is in production ({@code agora.storage.local-network=false}) never calls an agent whose
 * endpoint reaches a loopback, link-local, private or reserved address — here the in-test agents on 127.0.0.1, as a
 * provider registering {@code http://127.0.0.1:...} or a name resolving to the platform's network would: no block,
 * no grant, not a connection; the replica counts as failed with the reason, its lease is closed, and the pin fails
 * saying why.
 */
@QuarkusTest
@TestProfile(PublicAgentsOnlyTest.PublicAgentsOnly.class)
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(ReplicationResource.class)
class PublicAgentsOnlyTest {

    /** The production default: agents must be at public addresses. */
    public static class PublicAgentsOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agora.storage.local-network", "false");
        }
    }

    private final String alice = Tokens.tokenFor(Tokens.ALICE);

    @Inject
    ReplicaRepository replicas;

    @Inject
    Transactions tx;

    private RequestSpecification asAlice() {
        return given().auth().oauth2(alice).contentType("application/json");
    }

    @Test
    void anAgentAtALoopbackAddressIsNeverCalledAndItsReplicaFails() {
        byte[] file = new byte[300_000];
        new Random(21).nextBytes(file);
        String cid = asAlice().contentType("application/octet-stream").body(file).post("/api/v1/objects").then()
                .statusCode(201).extract().path("cid");
        List<Integer> before = ReplicationResource.AGENTS.stream().map(StorageAgentServer::requests).toList();

        String requestId = asAlice().body(Map.of("cid", cid, "meta", Map.of("replication", "1"))).post("/pins").then()
                .statusCode(202).extract().path("requestid");
        Map<String, Object> settled = await().atMost(Duration.ofSeconds(30)).until(
                () -> asAlice().get("/pins/" + requestId).then().statusCode(200).extract().jsonPath().getMap(""),
                s -> List.of("pinned", "failed").contains(s.get("status")));

        assertThat(settled.get("status")).isEqualTo("failed");
        assertThat(String.valueOf(((Map<?, ?>) settled.get("info")).get("status_details")))
                .contains("agent endpoint refused").contains("127.0.0.1").contains("not a public address");
        assertThat(ReplicationResource.AGENTS.stream().map(StorageAgentServer::requests).toList())
                .as("requests the agents received").isEqualTo(before);
        assertThat(ReplicationResource.AGENTS).allSatisfy(a -> assertThat(a.acceptedGrants()).isEmpty());

        List<Replica> recorded = tx.read(c -> replicas.ofRoot(c, Cid.parse(cid)));
        assertThat(recorded).hasSize(1).allSatisfy(r -> {
            assertThat(r.state()).isEqualTo(Replica.State.FAILED);
            assertThat(r.reason()).contains("not a public address");
        });
        LeaseView lease = ReplicationResource.market.leases().stream()
                .filter(l -> l.id().equals(recorded.get(0).lease().leaseId())).findFirst().orElseThrow();
        assertThat(lease.state()).isEqualTo(LeaseState.CLOSED);
        asAlice().delete("/pins/" + requestId).then().statusCode(202);
    }
}
