package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.domain.observation.CallObserver;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.reputation.CallObservations;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.PrometheusText;
import cloud.agora.testsupport.TopicReader;
import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The synchronous gateway routes calls to a reachable replica's agent (stand-in agents on local ports). */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class GatewayTest {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    CallObserver observer;

    @Inject
    cloud.agora.functions.domain.recording.InvocationRecorder recorder;

    Developer dev;
    String name;
    String cid;
    AgentStub live;
    AgentStub other;

    @BeforeEach
    void publish() throws Exception {
        dev = Developer.signedIn();
        name = "gw-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> spec = Developer.spec(name);
        spec.put("maxConcurrency", 1);
        cid = dev.publish(spec, Bundles.echo()).statusCode(201).extract().path("bundleCid");
        live = new AgentStub();
        other = new AgentStub();
    }

    @AfterEach
    void stopAgents() {
        MarketplaceStub.endpoints = List.of();
        live.close();
        other.close();
    }

    void deploy(String... endpoints) {
        dev.deployOn(name, endpoints);
    }

    String providerAt(String endpoint) {
        List<Map<String, String>> placed = dev.get("/api/v1/functions/" + name + "/deployments").extract().path("[0].placed");
        return placed.stream().filter(p -> p.get("endpoint").equals(endpoint)).findFirst().orElseThrow().get("provider");
    }

    @Test
    void aCallSkipsAnUnreachableAgentAndCarriesItsIds() throws Exception {
        deploy(AgentStub.dead(), live.endpoint());
        Response response = given().auth().oauth2("a-secret-the-function-must-not-see").header("X-Trace", "t1")
                .body("world").when().post("/fn/" + name + "/greet?lang=en");
        response.then().statusCode(200).header("Agora-Invocation-Id", matchesPattern("[0-9a-f-]{36}"))
                .header("Agora-Provider", equalTo(providerAt(live.endpoint()))).header("Agora-Function-Version", "1");
        assertThat(response.asString()).isEqualTo("hello world");
        assertThat(live.calls).hasSize(1);
        JsonNode call = live.calls.get(0);
        assertThat(call.path("invocationId").asText()).isEqualTo(response.header("Agora-Invocation-Id"));
        assertThat(call.path("bundle").asText()).isEqualTo(cid);
        assertThat(call.path("command").toString()).isEqualTo("[\"/bin/sh\",\"/function/handler.sh\"]");
        assertThat(call.path("method").asText()).isEqualTo("POST");
        assertThat(call.path("path").asText()).isEqualTo("/greet");
        assertThat(call.path("query").asText()).isEqualTo("lang=en");
        assertThat(call.path("headers").path("X-Trace").asText()).isEqualTo("t1");
        assertThat(call.toString()).doesNotContain("a-secret-the-function-must-not-see");
    }

    @Test
    void whatTheGatewaySeesOfAProvidersCallsIsPublishedAsEvidenceOfItsReputation() {
        deploy(live.endpoint());
        String provider = providerAt(live.endpoint());
        given().body("world").when().post("/fn/" + name + "/x").then().statusCode(200);
        given().body("cold").when().post("/fn/" + name + "/x").then().statusCode(200);
        given().body("fail").when().post("/fn/" + name + "/x").then().statusCode(502)
                .body("type", equalTo("urn:agora:problem:function-failed"));
        given().body("huge-announced").when().post("/fn/" + name + "/x").then().statusCode(502)
                .body("type", equalTo("urn:agora:problem:agent-failed"));
        recorder.awaitRecorded(); // the observer hears of an answered call once its answer has gone out
        observer.publish();

        List<CallObservations> seen = TopicReader.readUntil(Topics.FUNCTIONS_OBSERVATIONS,
                records -> observations(records, provider).stream().mapToLong(CallObservations::calls).sum() >= 4,
                Duration.ofSeconds(30)).stream().filter(r -> r.key().equals(provider))
                .map(r -> JsonCodec.read(r.value(), OBSERVATIONS).data()).toList();
        assertThat(seen).allSatisfy(o -> assertThat(o.gateway()).isEqualTo(GatewayKeyResource.address()));
        assertThat(seen.stream().mapToLong(CallObservations::calls).sum()).isEqualTo(4);
        assertThat(seen.stream().mapToLong(CallObservations::answered).sum()).isEqualTo(2);
        // the function's own failure says nothing against the provider; the agent's unusable answer does
        assertThat(seen.stream().mapToLong(CallObservations::functionFailures).sum()).isEqualTo(1);
        assertThat(seen.stream().mapToLong(CallObservations::providerFailures).sum()).isEqualTo(1);
        assertThat(seen.stream().mapToLong(CallObservations::agentErrors).sum()).isEqualTo(1);
        assertThat(seen.stream().mapToLong(o -> o.latency().total()).sum()).isEqualTo(3);
        // the overhead of the two warm calls with witnessed receipts: latency less their 5 ms of wall time
        assertThat(seen.stream().mapToLong(o -> o.overhead().total()).sum()).isEqualTo(2);
        assertThat(seen.stream().mapToLong(CallObservations::coldStarts).sum()).isEqualTo(1);
    }

    @Test
    void everyCallIsCountedOnTheGatewaysMetricsByFunctionAndOutcomeWithItsDurationAndColdStarts() {
        deploy(live.endpoint());
        given().body("world").when().post("/fn/" + name + "/x").then().statusCode(200);
        given().body("cold").when().post("/fn/" + name + "/x").then().statusCode(200);
        given().body("fail").when().post("/fn/" + name + "/x").then().statusCode(502);
        given().body("huge-announced").when().post("/fn/" + name + "/x").then().statusCode(502);

        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(sample(metrics, "agora_function_calls_total", "outcome=\"ok\"")).isEqualTo(2);
        assertThat(sample(metrics, "agora_function_calls_total", "outcome=\"function_error\"")).isEqualTo(1);
        assertThat(sample(metrics, "agora_function_calls_total", "outcome=\"agent_error\"")).isEqualTo(1);
        // the agent answered three of them: each has its duration; one came from a container started for it
        assertThat(sample(metrics, "agora_function_duration_seconds_count", "")).isEqualTo(3);
        assertThat(sample(metrics, "agora_function_duration_seconds_bucket", "le=\"+Inf\"")).isEqualTo(3);
        assertThat(sample(metrics, "agora_function_cold_starts_total", "")).isEqualTo(1);
        assertThat(sample(metrics, "agora_function_cold_start_duration_seconds_count", "")).isEqualTo(1);
    }

    /** The value of the one sample of {@code metric} for this test's function (and owner) whose labels contain {@code label}. */
    private double sample(String metrics, String metric, String label) {
        String owner = "owner=\"" + dev.address().toLowerCase(Locale.ROOT) + "\"";
        List<Double> samples = PrometheusText.samples(metrics, metric, "function=\"" + name + "\"", owner, label);
        assertThat(samples).as(metric + " " + label).hasSize(1);
        return samples.get(0);
    }

    private static final com.fasterxml.jackson.core.type.TypeReference<EventEnvelope<CallObservations>> OBSERVATIONS =
            new com.fasterxml.jackson.core.type.TypeReference<>() {
            };

    private static List<CallObservations> observations(List<ConsumerRecord<String, String>> records, String provider) {
        return records.stream().filter(r -> r.key().equals(provider))
                .map(r -> JsonCodec.read(r.value(), OBSERVATIONS).data()).toList();
    }

    @Test
    void anHttpModeFunctionsStatusAndHeadersAreTheResponseButThePlatformsHeadersStayTheGateways() throws Exception {
        String httpName = "gw-http-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> spec = Developer.spec(httpName);
        spec.put("mode", "http");
        spec.put("command", List.of("httpd", "-f", "-p", "8080", "-h", "/function"));
        dev.publish(spec, Bundles.echo()).statusCode(201).body("mode", equalTo("http"))
                .body("command[0]", equalTo("httpd"));
        dev.deployOn(httpName, live.endpoint());
        Response response = given().body("tea").when().post("/fn/" + httpName + "/pot");
        response.then().statusCode(418).contentType("text/plain; charset=utf-8")
                .header("Agora-Provider", not(equalTo("0xnot-the-provider")));
        assertThat(response.headers().getValues("Set-Cookie")).containsExactly("a=1", "b=2");
        assertThat(response.headers().getValues("Agora-Provider")).hasSize(1);
        assertThat(response.asString()).isEqualTo("hello tea");
        JsonNode call = live.calls.get(0);
        assertThat(call.path("mode").asText()).isEqualTo("http");
        assertThat(call.path("command").toString()).isEqualTo("[\"httpd\",\"-f\",\"-p\",\"8080\",\"-h\",\"/function\"]");
    }

    @Test
    void deletingAFunctionStopsItsCallsAtOnceThoughItsRoutingWasCached() {
        deploy(live.endpoint());
        given().body("a").when().post("/fn/" + name + "/x").then().statusCode(200);
        dev.delete("/api/v1/functions/" + name).statusCode(204);
        given().body("b").when().post("/fn/" + name + "/x").then().statusCode(404)
                .body("type", equalTo("urn:agora:problem:function-not-found"));
        assertThat(live.calls).hasSize(1);
    }

    @Test
    void aWithdrawalByAnotherGatewayInstanceIsSeenWithinTheRoutingCacheTtl() throws Exception {
        deploy(live.endpoint());
        given().body("a").when().post("/fn/" + name + "/x").then().statusCode(200);
        // another instance of this service withdraws the deployment: only the shared database changes
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.PreparedStatement s = c.prepareStatement(
                "UPDATE deployments SET status = 'WITHDRAWN' WHERE function_id = (SELECT id FROM functions WHERE name = ?)")) {
            s.setString(1, name);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
        long changedAt = System.nanoTime();
        int status;
        do {
            status = given().body("b").when().post("/fn/" + name + "/x").statusCode();
        } while (status == 200 && System.nanoTime() - changedAt < java.time.Duration.ofSeconds(3).toNanos());
        // routing-cache-ttl is 1 s: the withdrawal shows well before 3 s
        assertThat(status).isEqualTo(409);
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - changedAt)).isLessThan(java.time.Duration.ofMillis(2500));
    }

    @Test
    void aFunctionErrorIsFinalAndNeverRetriedElsewhere() {
        deploy(live.endpoint(), other.endpoint());
        given().body("fail").when().post("/fn/" + name + "/x").then().statusCode(502)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:function-failed"))
                .body("exitCode", equalTo(3));
        assertThat(live.calls.size() + other.calls.size()).isEqualTo(1);
    }

    @Test
    void aCallBeyondTheConcurrencyLimitIsRefusedAndReachesNoAgent() throws Exception {
        deploy(live.endpoint(), other.endpoint());
        CompletableFuture<Integer> slow = CompletableFuture.supplyAsync(
                () -> given().body("slow").when().post("/fn/" + name + "/x").statusCode());
        while (live.calls.size() + other.calls.size() == 0) {
            Thread.sleep(10);
        }
        // maxConcurrency 1: a second call while the first runs is refused, and reaches no agent
        given().body("again").when().post("/fn/" + name + "/x").then().statusCode(429)
                .body("type", equalTo("urn:agora:problem:concurrency-limit-reached"));
        assertThat(slow.get()).isEqualTo(200);
        assertThat(live.calls.size() + other.calls.size()).isEqualTo(1);
    }

    @Test
    void aConcurrentCallGoesToTheReplicaWithFewerOutstandingRequests() throws Exception {
        Map<String, Object> spec = Developer.spec(name);
        spec.put("maxConcurrency", 2);
        dev.publish(spec, Bundles.echo()).statusCode(201).body("version", equalTo(2));
        deploy(live.endpoint(), other.endpoint());
        CompletableFuture<Integer> slow = CompletableFuture.supplyAsync(
                () -> given().body("slow").when().post("/fn/" + name + "/x").statusCode());
        while (live.calls.size() + other.calls.size() == 0) {
            Thread.sleep(10);
        }
        AgentStub busy = live.calls.isEmpty() ? other : live;
        AgentStub idle = busy == live ? other : live;
        Response second = given().body("quick").when().post("/fn/" + name + "/x");
        second.then().statusCode(200).header("Agora-Provider", providerAt(idle.endpoint()))
                .header("Agora-Function-Version", "2");
        assertThat(slow.get()).isEqualTo(200);
        assertThat(busy.calls).hasSize(1);
        assertThat(idle.calls).hasSize(1);
    }

    @Test
    void everyReplicaUnreachableIs503() throws Exception {
        deploy(AgentStub.dead(), AgentStub.dead());
        given().body("x").when().post("/fn/" + name + "/x").then().statusCode(503)
                .body("type", equalTo("urn:agora:problem:no-replica-reachable"));
    }

    @Test
    void undeployedUnknownAndOversizedCallsAreProblemsWithNoSideEffects() {
        List<Long> before = Rows.counts(dataSource);
        given().body("x").when().post("/fn/" + name + "/x").then().statusCode(409)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:function-not-deployed"))
                .body("function", equalTo(name));
        given().when().get("/fn/no-such-function/x").then().statusCode(404)
                .body("type", equalTo("urn:agora:problem:function-not-found"));
        given().body(new byte[70_000]).when().post("/fn/" + name + "/x").then().statusCode(413)
                .body("type", equalTo("urn:agora:problem:invocation-too-large"));
        assertThat(Rows.counts(dataSource)).isEqualTo(before);
        assertThat(live.calls).isEmpty();
    }
}
