package cloud.agora.agent.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import cloud.agora.agent.bundle.BundleServer;
import cloud.agora.agent.bundle.TarGz;
import cloud.agora.agent.journal.ReceiptJournal;
import cloud.agora.agent.journal.ReceiptShipper;
import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.lease.Marketplace;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class InvocationResourceTest {

    static final Address OWNER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    static final Address PROVIDER = Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    @Inject
    LeaseReconciler reconciler;
    @Inject
    ReceiptJournal journal;
    @Inject
    ReceiptShipper shipper;

    UUID leaseId;
    String bundle;

    @BeforeEach
    void holdALeaseAndABundle() throws Exception {
        leaseId = UUID.randomUUID();
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, new LeaseView(leaseId, UUID.randomUUID(), OWNER,
                PROVIDER, "http://localhost:8090", BidKind.COMPUTE, new Resources(500, 64, 0),
                new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.ZERO), LeaseState.ACTIVE, Instant.now(), null, null, null)));
        bundle = AgentTestResource.storage.publish(new TarGz()
                .file("handler.sh", "printf '%s %s:' \"$AGORA_METHOD\" \"$HTTP_X_NAME\"; cat\n")
                .file("fail.sh", "exit 7\n")
                .file("env.sh", "printf '%s|%s|%s' \"${COLOR:-unset}\" \"$AGORA_METHOD\" \"$HTTP_X_NAME\"; echo \"warned $COLOR\" >&2\n")
                .bytes(), 1);
    }

    Map<String, Object> call(UUID invocationId, String script) {
        return Map.of("invocationId", invocationId, "leaseId", leaseId, "bundle", bundle,
                "command", List.of("/bin/sh", "/function/" + script), "method", "PUT", "headers", Map.of("X-Name", "ada"),
                "body", Base64.getEncoder().encodeToString("payload".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void runsTheCallAndReturnsItsOutputWithASignedJournaledReceipt() {
        UUID id = UUID.randomUUID();
        Response response = given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON)
                .body(call(id, "handler.sh")).post("/api/v1/invocations");
        response.then().statusCode(200).body("status", equalTo("OK")).body("receipt.cpuNanos", greaterThan(0));

        String output = new String(Base64.getDecoder().decode(response.path("body").toString()), StandardCharsets.UTF_8);
        assertThat(output).isEqualTo("PUT ada:payload");
        UsageReceipt receipt = JsonCodec.read(response.jsonPath().prettify().isEmpty() ? "{}"
                : JsonCodec.write(response.jsonPath().getMap("receipt")), UsageReceipt.class);
        receipt.verifyProviderSignature();
        assertThat(receipt.provider()).isEqualTo(PROVIDER);
        assertThat(receipt.consumer()).isEqualTo(OWNER);
        assertThat(receipt.bytesIn()).isEqualTo(7);
        assertThat(journal.get(id)).isEqualTo(receipt);

        shipper.shipPending();
        var records = TopicReader.readUntil(Topics.USAGE_RECEIPTS,
                recs -> recs.stream().anyMatch(r -> r.value().contains(id.toString())), Duration.ofSeconds(20));
        assertThat(records).anyMatch(r -> r.key().equals(leaseId.toString()) && r.value().contains("\"UsageRecorded\""));
    }

    @Test
    void passesTheFunctionEnvironmentAndReturnsItsStderrWithoutLeakingIntoTheNextWarmCall() {
        Map<String, Object> first = new java.util.HashMap<>(call(UUID.randomUUID(), "env.sh"));
        first.put("env", Map.of("COLOR", "blue", "HTTP_X_NAME", "overridden by the header"));
        Response one = given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON).body(first)
                .post("/api/v1/invocations");
        one.then().statusCode(200).body("status", equalTo("OK")).body("stderr", equalTo("warned blue\n"))
                .body("stderrTruncated", equalTo(false));
        assertThat(decode(one)).isEqualTo("blue|PUT|ada");

        Response two = given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON)
                .body(call(UUID.randomUUID(), "env.sh")).post("/api/v1/invocations");
        two.then().statusCode(200).body("warm", equalTo(true)).body("stderr", equalTo("warned \n"));
        assertThat(decode(two)).isEqualTo("unset|PUT|ada");
    }

    @Test
    void refusesPlatformVariablesInTheFunctionEnvironmentAndRunsNothing() {
        for (Map<String, String> env : List.of(Map.of("AGORA_METHOD", "GET"), Map.of("AGORA_ANYTHING", "x"),
                Map.of("NOT-A-NAME", "x"), Map.of("NUL", "a\u0000b"))) {
            UUID id = UUID.randomUUID();
            Map<String, Object> call = new java.util.HashMap<>(call(id, "env.sh"));
            call.put("env", env);
            given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON).body(call)
                    .post("/api/v1/invocations").then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:agora:problem:invalid-invocation"));
            assertThat(journal.get(id)).isNull();
        }
    }

    static String decode(Response response) {
        return new String(Base64.getDecoder().decode(response.path("body").toString()), StandardCharsets.UTF_8);
    }

    @Test
    void functionErrorsAreResultsAndStillBilled() {
        UUID id = UUID.randomUUID();
        given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON).body(call(id, "fail.sh"))
                .post("/api/v1/invocations").then().statusCode(200).body("status", equalTo("FUNCTION_ERROR"))
                .body("exitCode", equalTo(7));
        assertThat(journal.get(id)).isNotNull();
    }

    @Test
    void refusesCallersThatAreNotTheGateway() {
        UUID id = UUID.randomUUID();
        given().auth().oauth2("wrong").contentType(ContentType.JSON).body(call(id, "handler.sh")).post("/api/v1/invocations")
                .then().statusCode(401).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:gateway-unauthenticated"));
        given().contentType(ContentType.JSON).body(call(id, "handler.sh")).post("/api/v1/invocations").then().statusCode(401);
        assertThat(journal.get(id)).isNull();
    }

    @Test
    void refusesALeaseItDoesNotHoldAndAnUnknownBundle() {
        UUID id = UUID.randomUUID();
        Map<String, Object> call = new java.util.HashMap<>(call(id, "handler.sh"));
        call.put("leaseId", UUID.randomUUID());
        given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON).body(call).post("/api/v1/invocations")
                .then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:lease-not-held"));
        call.put("leaseId", leaseId);
        call.put("bundle", "../etc");
        given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON).body(call).post("/api/v1/invocations")
                .then().statusCode(422).body("type", equalTo("urn:agora:problem:bundle-not-available"));
        call.put("bundle", BundleServer.cidOf("never uploaded".getBytes(StandardCharsets.UTF_8), 1));
        given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON).body(call).post("/api/v1/invocations")
                .then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:bundle-not-available"));
        assertThat(journal.get(id)).isNull();
    }

    @Test
    void refusesABundleWhoseBytesDoNotHashToItsCid() {
        UUID id = UUID.randomUUID();
        String claimed = BundleServer.cidOf(new TarGz().file("handler.sh", "echo genuine").bytes(), 1);
        AgentTestResource.storage.serve(claimed, new TarGz().file("handler.sh", "echo tampered").bytes());
        Map<String, Object> call = new java.util.HashMap<>(call(id, "handler.sh"));
        call.put("bundle", claimed);
        given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON).body(call).post("/api/v1/invocations")
                .then().statusCode(502).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:bundle-corrupt"));
        assertThat(Files.exists(AgentTestResource.dataDir.resolve("bundles").resolve(claimed))).isFalse();
        assertThat(journal.get(id)).isNull();
    }

    @Test
    void refusesRunningTheSameInvocationTwice() {
        UUID id = UUID.randomUUID();
        given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON).body(call(id, "handler.sh"))
                .post("/api/v1/invocations").then().statusCode(200);
        given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN).contentType(ContentType.JSON).body(call(id, "handler.sh"))
                .post("/api/v1/invocations").then().statusCode(409)
                .body("type", equalTo("urn:agora:problem:invocation-already-run"));
    }

    @Test
    void showsInventoryAndWorkloads() {
        given().get("/api/v1/inventory").then().statusCode(200).body("cores", greaterThan(0))
                .body("drivers[0]", equalTo("runc")).body("runtimes", org.hamcrest.Matchers.contains("shell", "jvm"));
        given().get("/api/v1/workloads").then().statusCode(200).body("driver", equalTo("runc"))
                .body("workloads.find { it.leaseId == '" + leaseId + "' }.limits.memoryMiB", equalTo(64));
    }
}
