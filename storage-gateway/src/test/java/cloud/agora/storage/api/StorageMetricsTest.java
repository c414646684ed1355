package cloud.agora.storage.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.storage.domain.StorageMeters;
import cloud.agora.storage.domain.replica.Replica;
import cloud.agora.storage.domain.replica.ReplicaAudits;
import cloud.agora.storage.integration.agent.StorageAgentServer;
import cloud.agora.storage.persistence.ReplicaRepository;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.PrometheusText;
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
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The storage figures on {@code /q/metrics}, driven through the real service: uploads (stored and refused), a pin
 * with two replicas on the in-test agents bought from the marketplace stand-in, audit rounds that pass, one that
 * fails on a wrong proof, one on a refused challenge and one on an answer later than the challenge deadline (each
 * repaired onto another provider), and the unpin. Every
 * figure is compared with its value before the step, so what other tests of the same application did does not
 * matter, and each must move by exactly what the step did — a refused upload moves none of the stored ones.
 *
 * <p>The pins are Carol's, an account of this test only: the marketplace stand-in never matches a provider again for
 * an owner whose lease there failed an audit, so Alice's providers, which {@code ReplicationTest} needs, stay free.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(ReplicationResource.class)
class StorageMetricsTest {

    private static final Address CAROL = Address.parse("0x00000000000000000000000000000000000ca401");
    private final String carol = Tokens.tokenFor(CAROL);

    @Inject
    StorageMeters meters;

    @Inject
    ReplicaAudits audits;

    @Inject
    ReplicaRepository replicas;

    @Inject
    Transactions tx;

    private RequestSpecification asCarol() {
        return given().auth().oauth2(carol);
    }

    /** The exposition after the gauges were counted again. */
    private String metrics() {
        meters.refresh();
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** How much {@code metric} (with those labels) moved between two expositions. */
    private static double moved(String before, String after, String metric, String... labels) {
        return PrometheusText.sum(after, metric, labels) - PrometheusText.sum(before, metric, labels);
    }

    private static List<LeaseView> carolsLeases(LeaseState state) {
        return ReplicationResource.market.leases().stream().filter(l -> l.owner().equals(CAROL))
                .filter(l -> l.state() == state).toList();
    }

    private static StorageAgentServer agentOf(LeaseView lease) {
        return ReplicationResource.AGENTS.stream().filter(a -> a.endpoint().equals(lease.providerEndpoint())).findFirst()
                .orElseThrow();
    }

    /** The bytes of the block files the lease's agent holds. */
    private static double bytesOnDisk(LeaseView lease) throws IOException {
        try (Stream<Path> files = Files.list(agentOf(lease).leaseDir(lease.id().toString()))) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private int activeReplicas() {
        return tx.read(c -> replicas.inState(c, Replica.State.ACTIVE)).size();
    }

    @Test
    void uploadsPinsAuditsRepairsAndTheUnpinMoveTheirFiguresByExactlyWhatHappened() throws Exception {
        byte[] file = new byte[700_000]; // 3 raw leaves + 1 root = 4 blocks
        new Random(31).nextBytes(file);

        // a stored upload
        String start = metrics();
        String cid = asCarol().contentType("application/octet-stream").body(file).post("/api/v1/objects").then()
                .statusCode(201).extract().path("cid");
        String uploaded = metrics();
        assertThat(moved(start, uploaded, "agora_storage_uploads_total")).isEqualTo(1);
        assertThat(moved(start, uploaded, "agora_storage_uploaded_bytes_total")).isEqualTo(700_000);
        assertThat(moved(start, uploaded, "agora_storage_objects")).isEqualTo(1);
        assertThat(moved(start, uploaded, "agora_storage_stored_bytes")).isEqualTo(700_000);
        assertThat(moved(start, uploaded, "agora_storage_uploads_refused_total")).isZero();

        // a refused upload stores nothing and moves only the refusals, by its problem
        asCarol().contentType("application/octet-stream").body(new byte[1000]).queryParam("cid-version", "7")
                .post("/api/v1/objects").then().statusCode(400);
        String refused = metrics();
        assertThat(moved(uploaded, refused, "agora_storage_uploads_refused_total", "problem=\"invalid-upload\""))
                .isEqualTo(1);
        assertThat(moved(uploaded, refused, "agora_storage_uploads_refused_total")).isEqualTo(1);
        for (String stored : List.of("agora_storage_uploads_total", "agora_storage_uploaded_bytes_total",
                "agora_storage_objects", "agora_storage_stored_bytes")) {
            assertThat(moved(uploaded, refused, stored)).as(stored).isZero();
        }

        // a pin with two replicas
        String requestId = asCarol().contentType("application/json")
                .body(Map.of("cid", cid, "meta", Map.of("replication", "2"))).post("/pins").then().statusCode(202)
                .extract().path("requestid");
        Map<String, Object> pinned = await().atMost(Duration.ofSeconds(30)).until(
                () -> asCarol().get("/pins/" + requestId).then().statusCode(200).extract().jsonPath().getMap(""),
                s -> List.of("pinned", "failed").contains(s.get("status")));
        assertThat(pinned.get("status")).as(pinned.toString()).isEqualTo("pinned");
        String placed = metrics();
        assertThat(moved(refused, placed, "agora_storage_pins_settled_total", "state=\"pinned\"")).isEqualTo(1);
        assertThat(moved(refused, placed, "agora_storage_pins_settled_total", "state=\"failed\"")).isZero();
        assertThat(moved(refused, placed, "agora_storage_pins", "state=\"pinned\"")).isEqualTo(1);
        assertThat(moved(refused, placed, "agora_storage_replicas_placed_total")).isEqualTo(2);
        assertThat(moved(refused, placed, "agora_storage_replicas", "state=\"active\"")).isEqualTo(2);
        assertThat(moved(refused, placed, "agora_storage_replicas", "state=\"transferring\"")).isZero();
        List<LeaseView> leases = carolsLeases(LeaseState.ACTIVE);
        assertThat(leases).hasSize(2);
        assertThat(moved(refused, placed, "agora_storage_replicas_transferred_bytes_total"))
                .as("the sealed blocks on the two agents' disks").isEqualTo(bytesOnDisk(leases.get(0)) + bytesOnDisk(leases.get(1)));

        // a round of healthy replicas: every active replica passes (those other tests left too)
        int active = activeReplicas();
        assertThat(audits.round()).isZero();
        String passed = metrics();
        assertThat(moved(placed, passed, "agora_storage_audits_passed_total")).isEqualTo(active);
        assertThat(moved(placed, passed, "agora_storage_audits_failed_total")).isZero();
        assertThat(moved(placed, passed, "agora_storage_challenge_duration_seconds_count")).isEqualTo(active);
        assertThat(moved(placed, passed, "agora_storage_repairs_total")).isZero();

        // one provider answers with a proof over the wrong bytes: failed, its lease closed, repaired elsewhere
        LeaseView wrong = leases.get(0);
        agentOf(wrong).turnLazy(wrong.id().toString(), sealed -> Optional.of(new byte[] {1, 2, 3}));
        active = activeReplicas();
        assertThat(audits.round()).isEqualTo(1);
        String wrongProof = metrics();
        assertThat(moved(passed, wrongProof, "agora_storage_audits_failed_total", "reason=\"wrong_proof\"")).isEqualTo(1);
        assertThat(moved(passed, wrongProof, "agora_storage_audits_failed_total")).isEqualTo(1);
        assertThat(moved(passed, wrongProof, "agora_storage_audits_passed_total")).isEqualTo(active - 1);
        assertThat(moved(passed, wrongProof, "agora_storage_replicas_failed_total", "cause=\"audit\"")).isEqualTo(1);
        assertThat(moved(passed, wrongProof, "agora_storage_replicas_failed_total", "cause=\"transfer\"")).isZero();
        assertThat(moved(passed, wrongProof, "agora_storage_repairs_total", "result=\"succeeded\"")).isEqualTo(1);
        assertThat(moved(passed, wrongProof, "agora_storage_repairs_total", "result=\"failed\"")).isZero();
        assertThat(moved(passed, wrongProof, "agora_storage_replicas_placed_total")).isEqualTo(1);
        LeaseView repaired = carolsLeases(LeaseState.ACTIVE).stream().filter(l -> !leases.contains(l)).findFirst()
                .orElseThrow();
        assertThat(moved(passed, wrongProof, "agora_storage_replicas_transferred_bytes_total"))
                .isEqualTo(bytesOnDisk(repaired));
        assertThat(moved(passed, wrongProof, "agora_storage_replicas", "state=\"failed\"")).isEqualTo(1);
        assertThat(moved(passed, wrongProof, "agora_storage_replicas", "state=\"active\"")).isZero();

        // another provider lost its copy and refuses the challenge: failed with that reason, repaired again
        LeaseView lost = carolsLeases(LeaseState.ACTIVE).get(0);
        agentOf(lost).turnLazy(lost.id().toString(), sealed -> Optional.empty());
        active = activeReplicas();
        assertThat(audits.round()).isEqualTo(1);
        String refusedChallenge = metrics();
        assertThat(moved(wrongProof, refusedChallenge, "agora_storage_audits_failed_total", "reason=\"refused\""))
                .isEqualTo(1);
        assertThat(moved(wrongProof, refusedChallenge, "agora_storage_audits_failed_total")).isEqualTo(1);
        assertThat(moved(wrongProof, refusedChallenge, "agora_storage_audits_passed_total")).isEqualTo(active - 1);
        assertThat(moved(wrongProof, refusedChallenge, "agora_storage_repairs_total", "result=\"succeeded\""))
                .isEqualTo(1);
        assertThat(moved(wrongProof, refusedChallenge, "agora_storage_replicas_placed_total")).isEqualTo(1);

        // a third provider answers only after the challenge deadline (2 s here): late
        LeaseView slow = carolsLeases(LeaseState.ACTIVE).get(0);
        CountDownLatch release = new CountDownLatch(1);
        agentOf(slow).holdChallengesFor(slow.id().toString(), release);
        String late;
        try {
            active = activeReplicas();
            assertThat(audits.round()).isEqualTo(1);
            late = metrics();
        } finally {
            release.countDown();
        }
        assertThat(moved(refusedChallenge, late, "agora_storage_audits_failed_total", "reason=\"late\"")).isEqualTo(1);
        assertThat(moved(refusedChallenge, late, "agora_storage_audits_failed_total")).isEqualTo(1);
        assertThat(moved(refusedChallenge, late, "agora_storage_audits_passed_total")).isEqualTo(active - 1);
        assertThat(moved(refusedChallenge, late, "agora_storage_repairs_total", "result=\"succeeded\"")).isEqualTo(1);

        // the unpin releases both replicas and removes the request
        asCarol().delete("/pins/" + requestId).then().statusCode(202);
        assertThat(carolsLeases(LeaseState.ACTIVE)).isEmpty();
        String unpinned = metrics();
        assertThat(moved(late, unpinned, "agora_storage_replicas_released_total", "reason=\"unpinned\""))
                .isEqualTo(2);
        assertThat(moved(late, unpinned, "agora_storage_replicas", "state=\"active\"")).isEqualTo(-2);
        assertThat(moved(late, unpinned, "agora_storage_replicas", "state=\"closed\"")).isEqualTo(2);
        assertThat(moved(late, unpinned, "agora_storage_pins", "state=\"pinned\"")).isEqualTo(-1);
        // what was uploaded stays stored
        assertThat(moved(late, unpinned, "agora_storage_objects")).isZero();
    }
}
