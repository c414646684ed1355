package cloud.agora.functions.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.functions.Bundles;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A deployment whose replicas follow its load (test profile: sampled every 200 ms, up after 1 s above the target,
 * down after 2 s within one replica fewer), on three stand-in agents: calls held open by the agents make the load.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
@QuarkusTestResource(BillingStub.class)
class AutoscalingTest {

    @jakarta.inject.Inject
    io.agroal.api.AgroalDataSource dataSource;

    final HttpClient http = HttpClient.newHttpClient();
    final List<AgentStub> agents = new ArrayList<>();

    @AfterEach
    void stop() {
        AgentStub.HOLD.get().countDown();
        MarketplaceStub.endpoints = List.of();
        agents.forEach(AgentStub::close);
    }

    CompletableFuture<HttpResponse<String>> call(String name, String body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/fn/" + name + "/"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Reads the deployment until {@code done} holds (each read is a state the service reports), at most 30 s. */
    static JsonPath await(Developer dev, String path, Predicate<JsonPath> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonPath last = null;
        while (System.nanoTime() < deadline) {
            last = dev.get(path).statusCode(200).extract().jsonPath();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " did not happen in 30 s; the deployment: " + (last == null ? null : last.prettify()));
    }

    @Test
    void replicasGrowOnDistinctProvidersWhileCallsStayAboveTheTargetAndShrinkAfterTheIdleTimeWithNoCallFailing()
            throws Exception {
        Developer dev = Developer.signedIn();
        String name = "scale-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> spec = Developer.spec(name);
        spec.put("maxConcurrency", 50);
        dev.publish(spec, Bundles.echo()).statusCode(201);
        for (int i = 0; i < 3; i++) {
            agents.add(new AgentStub());
        }
        MarketplaceStub.endpoints = agents.stream().map(AgentStub::endpoint).toList();
        Map<String, Object> order = new HashMap<>(Map.of("maxPrices", DeploymentTest.MAX,
                "constraints", Map.of("region", "eu"),
                "scaling", Map.of("minReplicas", 1, "maxReplicas", 3, "targetConcurrency", 2)));
        String id = dev.post("/api/v1/functions/" + name + "/deployments", order).statusCode(201)
                .body("replicas", equalTo(1)).body("status", equalTo("ACTIVE"))
                .body("scaling.minReplicas", equalTo(1)).body("scaling.maxReplicas", equalTo(3))
                .body("scaling.targetConcurrency", equalTo(2)).body("scaling.decisions.size()", equalTo(0))
                .extract().path("id");
        String path = "/api/v1/functions/" + name + "/deployments/" + id;

        // six calls held open on the one replica: three times the target, for longer than the 1 s window
        AgentStub.HOLD.set(new CountDownLatch(1));
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(call(name, "hold"));
        }
        JsonPath grown = await(dev, path, d -> d.getList("placed").size() == 3, "three replicas");
        assertThat(grown.getInt("replicas")).isEqualTo(3);
        assertThat(grown.getInt("scaling.decisions[0].fromReplicas")).isEqualTo(1);
        assertThat(grown.getInt("scaling.decisions[0].toReplicas")).isEqualTo(3);
        assertThat(grown.getString("scaling.decisions[0].reason")).contains("above 2 per replica on 1");
        assertThat(grown.getList("placed.endpoint", String.class)).as("one replica per provider")
                .containsExactlyInAnyOrderElementsOf(MarketplaceStub.endpoints);
        assertThat(agents.get(0).holding.get()).isEqualTo(6);

        // the new replicas take calls
        List<CompletableFuture<HttpResponse<String>>> more = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            more.add(call(name, "hold"));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (agents.get(1).holding.get() + agents.get(2).holding.get() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(agents.get(1).holding.get() + agents.get(2).holding.get()).isEqualTo(4);

        // every held call answers: none failed while the deployment grew
        AgentStub.HOLD.get().countDown();
        held.addAll(more);
        for (CompletableFuture<HttpResponse<String>> f : held) {
            HttpResponse<String> answer = f.get();
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("hello hold");
        }

        // idle: after 2 s within what one replica fewer serves, one replica goes, then another, never below one;
        // calls made meanwhile all answer
        List<String> answers = new ArrayList<>();
        JsonPath shrunk = null;
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = call(name, "tick").get();
            answers.add(answer.statusCode() + " " + answer.body());
            shrunk = dev.get(path).statusCode(200).extract().jsonPath();
            if (shrunk.getInt("replicas") == 1 && shrunk.getList("placed").size() == 1
                    && closedScaledDown().size() == 2) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(answers).isNotEmpty().allMatch(a -> a.equals("200 hello tick"));
        assertThat(shrunk.getInt("replicas")).isEqualTo(1);
        assertThat(shrunk.getList("scaling.decisions.toReplicas", Integer.class)).containsExactly(1, 2, 3);
        assertThat(shrunk.getString("scaling.decisions[0].reason")).contains("within what 1 replica(s) serve at 2 each");
        assertThat(closedScaledDown()).as("the leases given up were closed, as scaled-down").hasSize(2);
    }

    /** Leases on this test's agents the marketplace stand-in closed with reason {@code scaled-down}. */
    List<LeaseView> closedScaledDown() {
        List<String> endpoints = agents.stream().map(AgentStub::endpoint).toList();
        return MarketplaceStub.LEASES.values().stream().filter(l -> endpoints.contains(l.providerEndpoint()))
                .filter(l -> l.state() == LeaseState.CLOSED && "scaled-down".equals(l.closeReason())).toList();
    }

    @Test
    void aDeploymentScaledToZeroAnswersTheFirstCallAfterIdleOnceAReplicaIsLeasedAndItsAgentHoldsIt() throws Exception {
        Developer dev = Developer.signedIn();
        String name = "zero-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        AgentStub agent = new AgentStub();
        agents.add(agent);
        MarketplaceStub.endpoints = List.of(agent.endpoint());
        String id = dev.post("/api/v1/functions/" + name + "/deployments", Map.of("maxPrices", DeploymentTest.MAX,
                "constraints", Map.of("region", "eu"),
                "scaling", Map.of("minReplicas", 0, "maxReplicas", 2, "targetConcurrency", 1))).statusCode(201)
                .body("replicas", equalTo(1)).body("placed.size()", equalTo(1)).extract().path("id");
        String path = "/api/v1/functions/" + name + "/deployments/" + id;
        assertThat(call(name, "first").get().statusCode()).isEqualTo(200);

        // idle for the idle time: the last replica drains and its lease closes
        JsonPath idle = await(dev, path, d -> d.getInt("replicas") == 0 && d.getList("placed").isEmpty()
                && closedScaledDown().size() == 1, "no replica");
        assertThat(idle.getString("status")).isEqualTo("ACTIVE");
        assertThat(idle.getString("scaling.decisions[0].reason")).contains("at most 0 calls in flight");

        // the next call waits for a replica: bid, lease, and an agent that learns of its lease a moment later (it
        // refuses the call unrun until then, and the gateway tries again)
        agent.holdsLeases = false;
        int before = agent.requests.get();
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> first = call(name, "again");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (agent.requests.get() < before + 2 && System.nanoTime() < deadline) {
            Thread.sleep(20); // until the agent has refused the call twice
        }
        assertThat(agent.requests.get()).as("refusals before the agent holds the lease").isGreaterThanOrEqualTo(before + 2);
        assertThat(first).isNotDone();
        agent.holdsLeases = true;
        HttpResponse<String> answer = first.get();
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("hello again");
        JsonPath woken = dev.get(path).statusCode(200).extract().jsonPath();
        assertThat(woken.getInt("replicas")).isEqualTo(1);
        assertThat(woken.getList("placed")).hasSize(1);
        assertThat(woken.getString("scaling.decisions[0].reason")).isEqualTo("a call arrived with no replica");
        assertThat(woken.getInt("scaling.decisions[0].fromReplicas")).isZero();
        System.out.println("first call after idle answered in " + tookMillis + " ms");
    }

    @Test
    void scalingOutsideItsBoundsIsRefusedAndPlacesNothing() {
        Developer dev = Developer.signedIn();
        String name = "scale-bad-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        List<Long> before = Rows.counts(dataSource);
        for (Map<String, Object> scaling : List.of(
                Map.<String, Object>of("minReplicas", -1, "maxReplicas", 3, "targetConcurrency", 2),
                Map.<String, Object>of("minReplicas", 0, "maxReplicas", 0, "targetConcurrency", 2),
                Map.<String, Object>of("minReplicas", 3, "maxReplicas", 2, "targetConcurrency", 2),
                Map.<String, Object>of("minReplicas", 1, "maxReplicas", 17, "targetConcurrency", 2),
                Map.<String, Object>of("minReplicas", 1, "maxReplicas", 3, "targetConcurrency", 0),
                Map.<String, Object>of("minReplicas", 1, "maxReplicas", 3))) {
            dev.post("/api/v1/functions/" + name + "/deployments", Map.of("maxPrices", DeploymentTest.MAX,
                    "constraints", Map.of("region", "eu"), "scaling", scaling)).statusCode(400)
                    .body("type", equalTo("urn:agora:problem:invalid-deployment"))
                    .body("detail", containsString("scaling"));
        }
        dev.post("/api/v1/functions/" + name + "/deployments", Map.of("maxPrices", DeploymentTest.MAX, "replicas", 5,
                "constraints", Map.of("region", "eu"),
                "scaling", Map.of("minReplicas", 1, "maxReplicas", 3, "targetConcurrency", 2))).statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-deployment"));
        assertThat(Rows.counts(dataSource)).isEqualTo(before);
    }
}
