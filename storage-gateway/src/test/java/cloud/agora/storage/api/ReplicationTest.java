package cloud.agora.storage.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.invocation.StorageGrant;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.storage.domain.replica.ReplicaAudits;
import cloud.agora.storage.domain.replica.Replicator;
import cloud.agora.storage.integration.agent.StorageAgentServer;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Replication through the Pinning Service API against three in-test agents that store real
 * block files and a marketplace stand-in: a pin with {@code meta.replication = 2} is pinned
 * only once two providers hold every block; a damaged block is caught by the audits, the
 * replica's lease closed and the data repaired onto the third provider; unpinning deletes the
 * blocks on the providers and closes the leases.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(ReplicationResource.class)
class ReplicationTest {

    private final String alice = Tokens.tokenFor(Tokens.ALICE);

    @Inject
    ReplicaAudits audits;

    @Inject
    Replicator replicator;

    private RequestSpecification asAlice() {
        return given().auth().oauth2(alice).contentType("application/json");
    }

    private String uploaded(int size, long seed) {
        byte[] file = new byte[size];
        new Random(seed).nextBytes(file);
        return asAlice().contentType("application/octet-stream").body(file).post("/api/v1/objects").then().statusCode(201)
                .extract().path("cid");
    }

    private Map<String, Object> settled(String requestId) {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> asAlice().get("/pins/" + requestId).then().statusCode(200).extract().jsonPath().getMap(""),
                s -> List.of("pinned", "failed").contains(s.get("status")));
    }

    private static List<LeaseView> leases(LeaseState state) {
        return ReplicationResource.market.leases().stream().filter(l -> l.state() == state).toList();
    }

    private static StorageAgentServer agentOf(LeaseView lease) {
        return ReplicationResource.AGENTS.stream().filter(a -> a.endpoint().equals(lease.providerEndpoint())).findFirst()
                .orElseThrow();
    }

    /** The lease's block files on its agent's disk, each checked against the CID it is named by. */
    private static long verifiedBlocks(LeaseView lease) throws IOException {
        Path dir = agentOf(lease).leaseDir(lease.id().toString());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> {
                try {
                    return Cid.parse(f.getFileName().toString()).matches(Files.readAllBytes(f));
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    /**
     * The agents serve nothing without a storage grant their {@code GrantVerifier} accepts (signed by the gateway's
     * key, for the agent's provider and the path's lease, valid now): none was refused, and the lease was served
     * only with grants naming it and its provider, valid for the configured 60 s.
     */
    private static void servedOnlyWithItsGrant(LeaseView lease) {
        StorageAgentServer agent = agentOf(lease);
        assertThat(agent.refusedGrants()).as("grants refused by the agent of %s", lease.provider()).isEmpty();
        List<StorageGrant> grants = agent.acceptedGrants().stream().filter(g -> g.leaseId().equals(lease.id())).toList();
        assertThat(grants).as("grants for lease %s", lease.id()).isNotEmpty().allSatisfy(g -> {
            assertThat(g.provider()).isEqualTo(lease.provider()).isEqualTo(agent.provider());
            assertThat(Duration.between(g.issuedAt(), g.expiresAt())).isEqualTo(Duration.ofSeconds(60));
        });
    }

    @Test
    void pinWithReplicationTwoIsRepairedAfterAProviderDamagesABlockAndFreedOnUnpin() throws Exception {
        String cid = uploaded(700_000, 11); // 3 raw leaves + 1 root = 4 blocks
        String requestId = asAlice().body(Map.of("cid", cid, "meta", Map.of("replication", "2"))).post("/pins").then()
                .statusCode(202).extract().path("requestid");

        Map<String, Object> pinned = settled(requestId);
        assertThat(pinned.get("status")).as(pinned.toString()).isEqualTo("pinned");
        @SuppressWarnings("unchecked")
        Map<String, Object> info = (Map<String, Object>) pinned.get("info");
        assertThat(info).containsEntry("replicas", "2");
        List<LeaseView> first = leases(LeaseState.ACTIVE);
        assertThat(first).hasSize(2);
        assertThat(first).allSatisfy(l -> assertThat(l.owner()).isEqualTo(ReplicationResource.gateway));
        assertThat(first.get(0).provider()).isNotEqualTo(first.get(1).provider());
        for (LeaseView lease : first) {
            assertThat(verifiedBlocks(lease)).isEqualTo(4);
            servedOnlyWithItsGrant(lease);
        }

        // healthy replicas pass
        assertThat(audits.round()).isZero();

        // one provider's disk damages one block
        LeaseView damaged = first.get(0);
        LeaseView healthy = first.get(1);
        Path victim;
        try (Stream<Path> files = Files.list(agentOf(damaged).leaseDir(damaged.id().toString()))) {
            victim = files.filter(f -> !f.getFileName().toString().equals(cid)).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(victim);
        bytes[1000] ^= 0x01;
        Files.write(victim, bytes);

        // a random block per audit: the damaged one is drawn in 1 of 4 rounds
        int rounds = 0;
        int failures = 0;
        while (failures == 0 && rounds < 200) {
            failures = audits.round();
            rounds++;
        }
        assertThat(failures).as("audits over %d rounds", rounds).isEqualTo(1);

        LeaseView closed = ReplicationResource.market.leases().stream().filter(l -> l.id().equals(damaged.id())).findFirst()
                .orElseThrow();
        assertThat(closed.state()).isEqualTo(LeaseState.CLOSED);
        assertThat(closed.closeReason()).isEqualTo("audit-failed");
        List<LeaseView> now = leases(LeaseState.ACTIVE);
        assertThat(now).hasSize(2).extracting(LeaseView::id).contains(healthy.id()).doesNotContain(damaged.id());
        LeaseView repaired = now.stream().filter(l -> !l.id().equals(healthy.id())).findFirst().orElseThrow();
        assertThat(repaired.provider()).isNotIn(damaged.provider(), healthy.provider());
        assertThat(verifiedBlocks(repaired)).isEqualTo(4);
        assertThat(audits.round()).isZero();
        for (LeaseView lease : now) {
            servedOnlyWithItsGrant(lease);
        }

        // unpin: blocks deleted on the providers, leases closed
        asAlice().delete("/pins/" + requestId).then().statusCode(202);
        assertThat(leases(LeaseState.ACTIVE)).isEmpty();
        for (LeaseView lease : now) {
            assertThat(agentOf(lease).blocks(lease.id().toString())).isZero();
        }
    }

    /**
     * The audit round repairs any DAG with fewer active replicas than wanted. Started while a pin is still copying
     * into its second lease (one replica active, the other filling), it waits for that pin's replication and then
     * finds nothing missing: no third lease is bought, and the pin ends with exactly its two.
     */
    @Test
    void anAuditRoundWhileAPinStillFillsItsReplicasBuysNoSurplusLease() throws Exception {
        String cid = uploaded(700_000, 14); // 4 blocks: the gate lets the first replica's four through
        int before = ReplicationResource.market.leases().size();
        StorageAgentServer.PutGate gate = new StorageAgentServer.PutGate(4);
        ReplicationResource.AGENTS.forEach(a -> a.holdPutsAt(gate));
        ExecutorService auditor = Executors.newSingleThreadExecutor();
        try {
            String requestId = asAlice().body(Map.of("cid", cid, "meta", Map.of("replication", "2"))).post("/pins").then()
                    .statusCode(202).extract().path("requestid");
            gate.awaitHeld();
            assertThat(leases(LeaseState.ACTIVE)).hasSize(2);
            Future<Integer> round = auditor.submit(audits::round);
            // the round reaches the repair: it waits for the pin's replication, or (without that) buys a third lease
            // (four providers: one may be excluded for a failed audit in another test, two hold this pin's leases)
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> replicator.waiting() > 0 || ReplicationResource.market.leases().size() > before + 2
                            || round.isDone());
            gate.open();
            assertThat(round.get(60, TimeUnit.SECONDS)).isZero();
            Map<String, Object> pinned = settled(requestId);
            assertThat(pinned.get("status")).as(pinned.toString()).isEqualTo("pinned");
            assertThat(ReplicationResource.market.leases()).as("leases bought").hasSize(before + 2);
            List<LeaseView> active = leases(LeaseState.ACTIVE);
            assertThat(active).hasSize(2);
            for (LeaseView lease : active) {
                assertThat(verifiedBlocks(lease)).isEqualTo(4);
            }
            asAlice().delete("/pins/" + requestId).then().statusCode(202);
            assertThat(leases(LeaseState.ACTIVE)).isEmpty();
        } finally {
            gate.open();
            ReplicationResource.AGENTS.forEach(a -> a.holdPutsAt(null));
            auditor.shutdownNow();
        }
    }

    @Test
    void pinAskingForMoreReplicasThanProvidersFailsWithTheReason() {
        String cid = uploaded(1000, 12);
        String requestId = asAlice().body(Map.of("cid", cid, "meta", Map.of("replication", "5"))).post("/pins").then()
                .statusCode(202).extract().path("requestid");
        Map<String, Object> settled = settled(requestId);
        assertThat(settled.get("status")).isEqualTo("failed");
        assertThat(String.valueOf(((Map<?, ?>) settled.get("info")).get("status_details")))
                .contains("replication on storage providers failed");
        asAlice().delete("/pins/" + requestId).then().statusCode(202);
    }

    @Test
    void replicationThatIsNotASmallWholeNumberIsABadRequestAndCreatesNothing() {
        String cid = uploaded(1000, 13);
        int before = asAlice().get("/pins?status=queued,pinning,pinned,failed").then().statusCode(200).extract().path("count");
        for (String bad : List.of("two", "-1", "17", "1.5", "")) {
            asAlice().body(Map.of("cid", cid, "meta", Map.of("replication", bad))).post("/pins").then().statusCode(400)
                    .body("error.reason", org.hamcrest.Matchers.equalTo("BAD_REQUEST"))
                    .body("error.details", org.hamcrest.Matchers.containsString("meta.replication"));
        }
        assertThat((int) asAlice().get("/pins?status=queued,pinning,pinned,failed").then().statusCode(200).extract()
                .path("count")).isEqualTo(before);
        assertThat(ReplicationResource.market.leases().stream().filter(l -> l.state() == LeaseState.ACTIVE)).isEmpty();
    }
}
