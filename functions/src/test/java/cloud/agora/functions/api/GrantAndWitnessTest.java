package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.domain.recording.InvocationRecorder;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.Wallet;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's side of "usage nobody can mint": every call it sends carries its grant for exactly that call (sync,
 * async, and on the replica a call moves to); it witnesses only receipts within bounds; it does not read an agent's
 * oversized answer whole; and an async invocation's record is readable only by the owner or the capability's
 * holder. Stand-in agents check grants as real agents do; real PostgreSQL and Kafka.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class GrantAndWitnessTest {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    MeterRegistry meters;

    Developer dev;
    String name;
    String cid;
    AgentStub agent;

    @BeforeEach
    void publish() throws Exception {
        dev = Developer.signedIn();
        name = "grant-" + UUID.randomUUID().toString().substring(0, 8);
        cid = dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201).extract().path("bundleCid");
        agent = new AgentStub();
    }

    @AfterEach
    void stop() {
        MarketplaceStub.endpoints = List.of();
        agent.close();
    }

    void deploy(String... endpoints) {
        dev.deployOn(name, endpoints);
    }

    UUID leaseAt(String endpoint) {
        List<Map<String, String>> placed = dev.get("/api/v1/functions/" + name + "/deployments").extract().path("[0].placed");
        return UUID.fromString(placed.stream().filter(p -> p.get("endpoint").equals(endpoint)).findFirst().orElseThrow()
                .get("leaseId"));
    }

    /** The grant is the gateway's, for exactly this call on this agent's lease, valid 30 s from its issue. */
    void assertGrantFor(InvocationGrant grant, String invocationId, Instant before, Instant after) {
        assertThat(grant.signer()).isEqualTo(GatewayKeyResource.address());
        assertThat(grant.invocationId()).hasToString(invocationId);
        assertThat(grant.leaseId()).isEqualTo(leaseAt(agent.endpoint()));
        assertThat(grant.provider()).isEqualTo(agent.provider.address());
        assertThat(grant.consumer()).isEqualTo(dev.wallet.address());
        assertThat(grant.bundle()).isEqualTo(cid);
        assertThat(grant.timeoutMillis()).isEqualTo(10_000);
        assertThat(grant.issuedAt()).isBetween(before.minusMillis(1), after);
        assertThat(Duration.between(grant.issuedAt(), grant.expiresAt())).isEqualTo(Duration.ofSeconds(30));
        assertThat(agent.refusals).isEmpty();
    }

    @Test
    void aSyncCallCarriesTheGatewaysGrantForExactlyThatCall() {
        deploy(agent.endpoint());
        Instant before = Instant.now();
        String id = given().body("world").when().post("/fn/" + name + "/x").then().statusCode(200)
                .body(equalTo("hello world")).extract().header("Agora-Invocation-Id");
        assertThat(agent.grants).hasSize(1);
        assertGrantFor(agent.grants.get(0), id, before, Instant.now());
    }

    @Test
    void anAsyncCallCarriesTheGatewaysGrantForItsOwnId() throws Exception {
        deploy(agent.endpoint());
        Instant before = Instant.now();
        Response accepted = given().body("world").when().post("/api/v1/functions/" + name + "/invocations");
        accepted.then().statusCode(202);
        String id = accepted.path("id");
        JsonPath done = awaitEnd(id, accepted.path("capability"));
        assertThat(done.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(agent.grants).hasSize(1);
        assertGrantFor(agent.grants.get(0), id, before, Instant.now());
    }

    @Test
    void aCallMovedToAnotherReplicaCarriesAGrantForThatReplicasLeaseAndProvider() throws Exception {
        String dead = AgentStub.dead();
        deploy(dead, agent.endpoint());
        Instant before = Instant.now();
        String id = given().body("world").when().post("/fn/" + name + "/x").then().statusCode(200).extract()
                .header("Agora-Invocation-Id");
        assertThat(agent.grants).hasSize(1);
        assertGrantFor(agent.grants.get(0), id, before, Instant.now());
        assertThat(agent.grants.get(0).leaseId()).isNotEqualTo(leaseAt(dead));
    }

    @Test
    void theStandInAgentRunsNothingWithoutTheGatewaysGrant() throws Exception {
        // the stand-in checks grants as a real agent does: a gateway sending no grant or a forged one fails the tests
        UUID lease = UUID.randomUUID();
        UUID invocation = UUID.randomUUID();
        InvocationGrant forged = InvocationGrant.unsigned(invocation, lease, agent.provider.address(), dev.wallet.address(),
                cid, 10_000, Instant.now(), Duration.ofSeconds(30)).signedBy(Wallet.random().key());
        for (InvocationGrant grant : new InvocationGrant[] {null, forged}) {
            InvocationCall call = new InvocationCall(grant, invocation, lease, "shell", cid, List.of("/bin/sh"), "POST", "/",
                    "", Map.of(), "x".getBytes(StandardCharsets.UTF_8), 10_000L, Map.of());
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(agent.endpoint() + "/api/v1/invocations")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JsonCodec.mapper().writeValueAsBytes(call))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.body()).contains(grant == null ? "urn:agora:problem:grant-missing"
                    : "urn:agora:problem:grant-forged");
        }
        assertThat(agent.calls).isEmpty();
        assertThat(agent.refusals).containsExactly("grant-missing", "grant-forged");
    }

    @Test
    void aReceiptClaimingMoreCpuThanTheLeaseAllowsIsNotWitnessed() {
        assertNotWitnessed("greedy", "out-of-bounds", "CPU");
    }

    @Test
    void aReceiptNamingAnotherGrantThanTheOneIssuedIsNotWitnessed() {
        assertNotWitnessed("other-grant", "grant-not-issued", "not the grant this gateway issued");
    }

    @Test
    void aReceiptStartingBeforeItsGrantIsNotWitnessed() {
        assertNotWitnessed("backdated", "out-of-bounds", "outside its grant's window");
    }

    @Test
    void aReceiptClaimingMoreWallTimeThanTheGatewaySawIsNotWitnessed() {
        assertNotWitnessed("long-wall", "not-observed", "ms of wall time");
    }

    /**
     * The caller still gets the function's answer; the receipt is recorded SUSPECT with the reason, counted by
     * reason, and its hash is in no witness batch, while a good call's receipt after it is in one signed by the gateway
     * (the recorder keeps the order of answers, so a batch naming the bad receipt could not come after it).
     */
    void assertNotWitnessed(String script, String reason, String detail) {
        deploy(agent.endpoint());
        double before = unwitnessed(reason);
        String bad = given().body(script).when().post("/fn/" + name + "/x").then().statusCode(200)
                .body(equalTo("hello " + script)).extract().header("Agora-Invocation-Id");
        String good = given().body("fine").when().post("/fn/" + name + "/x").then().statusCode(200).extract()
                .header("Agora-Invocation-Id");
        UsageReceipt goodReceipt = agent.receipts.get(UUID.fromString(good));
        UsageReceipt badReceipt = agent.receipts.get(UUID.fromString(bad));
        List<WitnessRecords.Witnessed> batches = WitnessRecords.readUntilWitnessed(List.of(goodReceipt));
        WitnessRecords.assertSignedByTheGateway(WitnessRecords.witnessing(batches, goodReceipt));
        assertThat(batches).noneMatch(w -> w.names(badReceipt));
        // reading usage waits for every answered call to be recorded
        dev.get("/api/v1/functions/" + name + "/usage").statusCode(200).body("invocations", equalTo(2))
                .body("suspectReceipts", equalTo(1));
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT receipt_status, receipt_problem, cpu_nanos, receipt_json FROM invocations WHERE id = ?")) {
            s.setObject(1, UUID.fromString(bad));
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isEqualTo("SUSPECT");
                assertThat(r.getString(2)).startsWith(reason + ": ").contains(detail);
                assertThat(r.getLong(3)).isZero();
                assertThat(JsonCodec.read(r.getString(4), Map.class).get("gatewaySignature")).isNull();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        assertThat(unwitnessed(reason)).isEqualTo(before + 1);
    }

    double unwitnessed(String reason) {
        Counter counter = meters.find(InvocationRecorder.UNWITNESSED_METRIC).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void anAgentAnswerLargerThanTheBoundIsRefusedWithoutReadingItWhole() throws Exception {
        deploy(agent.endpoint());
        given().body("huge").when().post("/fn/" + name + "/x").then().statusCode(502)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:agent-failed"))
                .body("title", equalTo("The agent's answer is too large"));
        // the gateway dropped the connection: far less than the 64 MiB answer got through
        assertThat(agent.oversizeEnded.get(30, TimeUnit.SECONDS)).isLessThan(AgentStub.HUGE_BYTES / 2);
        dev.get("/api/v1/functions/" + name + "/usage").statusCode(200).body("invocations", equalTo(0));
    }

    @Test
    void anAgentAnswerAnnouncingMoreThanTheBoundIsRefusedByItsLength() throws Exception {
        deploy(agent.endpoint());
        given().body("huge-announced").when().post("/fn/" + name + "/x").then().statusCode(502)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:agent-failed"))
                .body("detail", startsWith("the agent's answer is larger than")).body("detail",
                        org.hamcrest.Matchers.containsString("announced 1073741824 bytes"));
        assertThat(agent.oversizeEnded.get(30, TimeUnit.SECONDS)).isLessThan(AgentStub.HUGE_BYTES / 2);
        dev.get("/api/v1/functions/" + name + "/usage").statusCode(200).body("invocations", equalTo(0));
    }

    @Test
    void anAsyncInvocationIsReadableOnlyByItsOwnerAndTheCapabilitysHolder() throws Exception {
        deploy(agent.endpoint());
        Response accepted = given().body("private").when().post("/api/v1/functions/" + name + "/invocations");
        accepted.then().statusCode(202).body("status", equalTo("QUEUED"));
        String id = accepted.path("id");
        String capability = accepted.path("capability");
        assertThat(accepted.header("Location")).endsWith("/api/v1/invocations/" + id);
        JsonPath done = awaitEnd(id, capability);
        assertThat(done.getString("status")).isEqualTo("SUCCEEDED");

        // the owner, signed in, and the holder of the capability read it
        dev.get("/api/v1/invocations/" + id).statusCode(200).body("status", equalTo("SUCCEEDED"))
                .body("result.body", equalTo(java.util.Base64.getEncoder().encodeToString(
                        "hello private".getBytes(StandardCharsets.UTF_8))));
        given().header("Agora-Capability", capability).when().get("/api/v1/invocations/" + id).then().statusCode(200)
                .body("id", equalTo(id));

        // anyone else gets exactly what an unknown id gets
        String unknown = given().when().get("/api/v1/invocations/" + UUID.randomUUID()).then().statusCode(404)
                .extract().path("type");
        Developer other = Developer.signedIn();
        for (var request : List.of(given().auth().oauth2(other.token), given(), given().auth().oauth2("not-a-token"),
                given().header("Agora-Capability", capability.substring(1) + "A"),
                given().auth().oauth2(other.token).header("Agora-Capability", ""))) {
            request.when().get("/api/v1/invocations/" + id).then().statusCode(404)
                    .contentType("application/problem+json").body("type", equalTo(unknown))
                    .body("type", equalTo("urn:agora:problem:invocation-not-found"))
                    .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("result")));
        }

        // only the capability's hash is stored
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT capability_sha256, headers_json FROM async_invocations WHERE id = ?")) {
            s.setObject(1, UUID.fromString(id));
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getBytes(1)).isEqualTo(MessageDigest.getInstance("SHA-256")
                        .digest(capability.getBytes(StandardCharsets.US_ASCII)));
                assertThat(r.getString(2)).doesNotContain(capability);
            }
        }
    }

    JsonPath awaitEnd(String id, String capability) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath state = given().header("Agora-Capability", capability).when().get("/api/v1/invocations/" + id).then()
                    .statusCode(200).extract().jsonPath();
            String status = state.getString("status");
            if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                return state;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("invocation " + id + " did not end");
    }
}
