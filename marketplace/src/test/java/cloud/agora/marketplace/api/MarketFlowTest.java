package cloud.agora.marketplace.api;

import static cloud.agora.marketplace.api.Market.bid;
import static cloud.agora.marketplace.api.Market.prices;
import static cloud.agora.marketplace.api.Market.resources;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.equalToIgnoringCase;
import static org.hamcrest.Matchers.hasSize;

import cloud.agora.marketplace.domain.MarketDesk;
import cloud.agora.protocol.event.Topics;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
class MarketFlowTest {

    static final Map<String, Object> ASK = prices("1000", "200", "5", "300");
    static final Map<String, Object> MAX = prices("5000", "5000", "50", "5000");

    @Inject
    MarketDesk desk;

    @TestHTTPResource
    URL base;

    @Test
    void aBidBecomesALeaseAtTheProvidersAskAndClosingItFreesTheCapacity() {
        String region = unique("flow-eu");
        Market provider = Market.participant().provide(region, resources(2000, 4096, 0), ASK);
        Market developer = Market.participant();
        Map<String, Object> spec = new java.util.HashMap<>(bid(resources(500, 1024, 0), 1, MAX));
        spec.put("constraints", Map.of("region", region));

        String bidId = developer.post("/api/v1/bids", spec).statusCode(201)
                .body("status", equalTo("MATCHED"))
                .body("matchedReplicas", equalTo(1))
                .body("unmatchedReasons", empty())
                .extract().path("id");
        String leaseId = developer.get("/api/v1/bids/" + bidId).statusCode(200)
                .body("leaseIds", hasSize(1)).extract().path("leaseIds[0]");

        developer.get("/api/v1/leases/" + leaseId).statusCode(200)
                .body("provider", equalTo(provider.address()))
                .body("owner", equalTo(developer.address()))
                .body("providerEndpoint", equalTo("http://agent.example:8090"))
                .body("prices.perVcpuSecond", equalTo("1000"))
                .body("prices.perGiBSecond", equalTo("200"))
                .body("state", equalTo("ACTIVE"));
        provider.get("/api/v1/leases?provider=" + provider.address()).statusCode(200).body("id", contains(leaseId));
        given().get("/api/v1/providers/" + provider.address()).then().statusCode(200)
                .body("free.cpuMillis", equalTo(1500)).body("free.memoryMiB", equalTo(3072));

        provider.post("/api/v1/leases/" + leaseId + "/close", Map.of("reason", "maintenance")).statusCode(200)
                .body("state", equalTo("CLOSED")).body("closedBy", equalTo(provider.address()))
                .body("closeReason", equalTo("maintenance"));
        given().get("/api/v1/providers/" + provider.address()).then().statusCode(200)
                .body("free.cpuMillis", equalTo(2000));
        // the provider walked away from its lease: its reputation shows it, with the count behind it
        given().get("/api/v1/providers/" + provider.address() + "/reputation").then().statusCode(200)
                .body("leasesEnded.byProvider", equalTo(1)).body("leasesEnded.byDeveloper", equalTo(0))
                .body("score", equalTo(0));
        developer.post("/api/v1/leases/" + leaseId + "/close", Map.of()).statusCode(409)
                .body("type", equalTo("urn:agora:problem:lease-already-closed"));

        List<ConsumerRecord<String, String>> events = TopicReader.readUntil(Topics.MARKETPLACE_LEASES,
                records -> records.stream().filter(r -> r.key().equals(leaseId)).count() >= 2, Duration.ofSeconds(20));
        assertThat(events.stream().filter(r -> r.key().equals(leaseId)).map(ConsumerRecord::value))
                .hasSize(2)
                .anySatisfy(v -> assertThat(v).contains("\"type\":\"LeaseCreated\"").contains("\"state\":\"ACTIVE\""))
                .anySatisfy(v -> assertThat(v).contains("\"type\":\"LeaseClosed\"").contains("\"closeReason\":\"maintenance\""));
    }

    @Test
    void anUnmatchedBidSaysWhyAndCanBeCancelledOnce() {
        String region = unique("flow-us");
        Market.participant().provide(region, resources(1000, 1024, 0), ASK);
        Market developer = Market.participant();
        Map<String, Object> cheap = new java.util.HashMap<>(bid(resources(500, 512, 0), 1, prices("999", "5000", "50", "5000")));
        cheap.put("constraints", Map.of("region", region));
        String bidId = developer.post("/api/v1/bids", cheap).statusCode(201)
                .body("status", equalTo("OPEN"))
                .body("unmatchedReasons", contains("MAX_PRICE_BELOW_EVERY_ASK"))
                .extract().path("id");
        Map<String, Object> elsewhere = new java.util.HashMap<>(bid(resources(500, 512, 0), 1, MAX));
        elsewhere.put("constraints", Map.of("region", "nowhere"));
        developer.post("/api/v1/bids", elsewhere).statusCode(201).body("unmatchedReasons", contains("NO_PROVIDER_IN_REGION"));

        developer.delete("/api/v1/bids/" + bidId).statusCode(200).body("status", equalTo("CANCELLED"));
        developer.delete("/api/v1/bids/" + bidId).statusCode(409).body("type", equalTo("urn:agora:problem:bid-not-open"));
        developer.get("/api/v1/bids/" + bidId).statusCode(200).body("status", equalTo("CANCELLED"))
                .body("unmatchedReasons", empty());
    }

    @Test
    void aBidThatOutlivesItsTimeToLiveExpiresAndNeverMatches() {
        String region = unique("flow-ttl");
        Market developer = Market.participant();
        Map<String, Object> spec = new java.util.HashMap<>(bid(resources(250, 256, 0), 1, MAX));
        spec.put("constraints", Map.of("region", region));
        spec.put("ttlSeconds", 1);
        String bidId = developer.post("/api/v1/bids", spec).statusCode(201).body("status", equalTo("OPEN")).extract().path("id");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                developer.get("/api/v1/bids/" + bidId).statusCode(200).body("status", equalTo("EXPIRED")));
        Market.participant().provide(region, resources(1000, 1024, 0), ASK);
        developer.get("/api/v1/bids/" + bidId).statusCode(200).body("status", equalTo("EXPIRED")).body("leaseIds", empty());
    }

    @Test
    void aRestingBidMatchesWhenAnOfferArrives() {
        String region = unique("flow-late");
        Market.participant().provide(unique("flow-elsewhere"), resources(1000, 1024, 0), ASK);
        Market developer = Market.participant();
        Map<String, Object> spec = new java.util.HashMap<>(bid(resources(250, 256, 0), 2, MAX));
        spec.put("constraints", Map.of("region", region));
        String bidId = developer.post("/api/v1/bids", spec).statusCode(201)
                .body("unmatchedReasons", contains("NO_PROVIDER_IN_REGION")).extract().path("id");
        Market.participant().provide(region, resources(1000, 1024, 0), ASK);
        developer.get("/api/v1/bids/" + bidId).statusCode(200).body("matchedReplicas", equalTo(1))
                .body("unmatchedReasons", contains("NOT_ENOUGH_DISTINCT_PROVIDERS"));
        Market.participant().provide(region, resources(1000, 1024, 0), ASK);
        developer.get("/api/v1/bids/" + bidId).statusCode(200).body("status", equalTo("MATCHED"))
                .body("leaseIds", hasSize(2));
    }

    @Test
    void theAgentFollowsItsLeasesOverServerSentEvents() throws Exception {
        String region = unique("flow-sse");
        Market provider = Market.participant().provide(region, resources(1000, 1024, 0), ASK);
        Market developer = Market.participant();
        Map<String, Object> spec = new java.util.HashMap<>(bid(resources(250, 256, 0), 1, MAX));
        spec.put("constraints", Map.of("region", region));
        String before = developer.post("/api/v1/bids", spec).statusCode(201).extract().path("id");

        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "api/v1/providers/" + provider.address() + "/leases/stream"))
                .header("Authorization", "Bearer " + provider.token).header("Accept", "text/event-stream").build();
        HttpResponse<java.io.InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // stream closed at the end of the test
            }
        });
        reader.setDaemon(true);
        reader.start();

        String leaseBefore = developer.get("/api/v1/bids/" + before).extract().path("leaseIds[0]");
        assertThat(nextEvent(lines)).containsEntry("event", "LeaseCreated").extractingByKey("data").asString().contains(leaseBefore);
        String after = developer.post("/api/v1/bids", spec).statusCode(201).extract().path("id");
        String leaseAfter = developer.get("/api/v1/bids/" + after).extract().path("leaseIds[0]");
        assertThat(nextEvent(lines)).containsEntry("event", "LeaseCreated").extractingByKey("data").asString().contains(leaseAfter);
        developer.post("/api/v1/leases/" + leaseAfter + "/close", Map.of()).statusCode(200);
        assertThat(nextEvent(lines)).containsEntry("event", "LeaseClosed").extractingByKey("data").asString().contains(leaseAfter);
        response.body().close();
    }

    @Test
    void aReloadedBookHoldsEveryAcceptedOfferBidAndLease() {
        String region = unique("flow-restart");
        Market provider = Market.participant().provide(region, resources(1000, 1024, 0), ASK);
        Market developer = Market.participant();
        Map<String, Object> whole = new java.util.HashMap<>(bid(resources(1000, 1024, 0), 1, MAX));
        whole.put("constraints", Map.of("region", region));
        String first = developer.post("/api/v1/bids", whole).statusCode(201).body("status", equalTo("MATCHED")).extract().path("id");
        String waiting = developer.post("/api/v1/bids", whole).statusCode(201).body("status", equalTo("OPEN")).extract().path("id");
        String lease = developer.get("/api/v1/bids/" + first).extract().path("leaseIds[0]");

        desk.reload();

        given().get("/api/v1/providers/" + provider.address()).then().statusCode(200)
                .body("free.cpuMillis", equalTo(0)).body("capacity.cpuMillis", equalTo(1000));
        developer.get("/api/v1/bids/" + waiting).statusCode(200).body("status", equalTo("OPEN"))
                .body("unmatchedReasons", contains("INSUFFICIENT_CAPACITY"));
        developer.post("/api/v1/leases/" + lease + "/close", Map.of()).statusCode(200);
        developer.get("/api/v1/bids/" + waiting).statusCode(200).body("status", equalTo("MATCHED"));
    }

    @Test
    void aBidKeepsAvoidingItsProvidersAcrossAReload() {
        String region = unique("flow-avoid");
        Market avoided = Market.participant().provide(region, resources(1000, 1024, 0), ASK);
        Market developer = Market.participant();
        Map<String, Object> spec = new java.util.HashMap<>(bid(resources(500, 512, 0), 1, MAX));
        spec.put("constraints", Map.of("region", region, "avoidProviders", java.util.List.of(avoided.address())));
        String id = developer.post("/api/v1/bids", spec).statusCode(201).body("status", equalTo("OPEN"))
                .body("constraints.avoidProviders", contains(equalToIgnoringCase(avoided.address()))).extract().path("id");

        desk.reload();

        developer.get("/api/v1/bids/" + id).statusCode(200).body("status", equalTo("OPEN"))
                .body("unmatchedReasons", contains("NOT_ENOUGH_DISTINCT_PROVIDERS"));
        Market other = Market.participant().provide(region, resources(1000, 1024, 0), ASK);
        String lease = developer.get("/api/v1/bids/" + id).statusCode(200).body("status", equalTo("MATCHED"))
                .extract().path("leaseIds[0]");
        developer.get("/api/v1/leases/" + lease).statusCode(200).body("provider", equalToIgnoringCase(other.address()));
    }

    /** A region no other test uses, so each test sees only its own providers. */
    private static String unique(String prefix) {
        return prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    private static Map<String, String> nextEvent(BlockingQueue<String> lines) throws InterruptedException {
        Map<String, String> event = new java.util.HashMap<>();
        while (true) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("an event within 10 s").isNotNull();
            if (line.isEmpty()) {
                if (event.containsKey("event")) {
                    return event;
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                event.merge(line.substring(0, colon), line.substring(colon + 1).strip(), (a, b) -> a + "\n" + b);
            }
        }
    }
}
