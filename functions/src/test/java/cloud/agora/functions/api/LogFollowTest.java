package cloud.agora.functions.api;

import static cloud.agora.functions.api.LogStreams.Received;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.functions.Bundles;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.functions.persistence.InvocationStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A function deployed on three stand-in agents of three providers: followed logs show every replica's lines as its
 * calls are recorded, and the lines of a provider that has gone away stay readable (the platform stores them).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class LogFollowTest {

    /** The longest wait for one expected line or event: the test waits for each, it never sleeps to let them come. */
    static final long WAIT_SECONDS = 30;

    @TestHTTPResource("/")
    URL base;

    @Inject
    InvocationStore store;

    @Inject
    AgroalDataSource dataSource;

    Developer dev;
    String name;
    List<AgentStub> agents;

    @BeforeEach
    void deployOnThreeAgents() throws Exception {
        dev = Developer.signedIn();
        name = "logf-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        agents = List.of(new AgentStub(), new AgentStub(), new AgentStub());
        dev.deployOn(name, agents.stream().map(AgentStub::endpoint).toArray(String[]::new));
    }

    @AfterEach
    void stop() {
        agents.forEach(AgentStub::close);
    }

    Set<String> providers() {
        Set<String> out = new HashSet<>();
        agents.forEach(a -> out.add(a.provider.address().checksummed().toLowerCase()));
        return out;
    }

    /**
     * One slow call on each replica, all three in flight at once: each call is sent once the previous one reached its
     * agent, so the gateway (fewest calls in flight first) puts each on another replica.
     */
    List<CompletableFuture<String>> oneCallOnEachReplica() throws InterruptedException {
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> given().body("slow").when().post("/fn/" + name + "/x").then()
                    .statusCode(200).extract().header("Agora-Provider")));
            int reached = i;
            ReplicaHealthTest.await(() -> agents.stream().mapToInt(a -> a.calls.size()).sum() == reached);
        }
        assertThat(agents).allSatisfy(a -> assertThat(a.calls).hasSize(1));
        return calls;
    }

    /** Follows the log in a thread of its own, each line into the queue as it comes. */
    HttpResponse<InputStream> follow(String query, String accept, BlockingQueue<Received> into) {
        HttpResponse<InputStream> response = LogStreams.open(base, dev.token, name, "follow=true" + query, accept, Map.of());
        assertThat(response.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> {
            try {
                LogStreams.read(response, accept.equals("text/event-stream"), into::add);
            } catch (RuntimeException closed) {
                // the test closed the stream
            }
        });
        reader.setDaemon(true);
        reader.start();
        return response;
    }

    static Received next(BlockingQueue<Received> lines) throws InterruptedException {
        Received line = lines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(line).as("a followed line within " + WAIT_SECONDS + " s").isNotNull();
        return line;
    }

    @Test
    void aFollowedLogShowsTheLinesOfAllThreeReplicasAsTheyAreRecordedAndKeepsItsFilter() throws Exception {
        BlockingQueue<Received> all = new LinkedBlockingQueue<>();
        BlockingQueue<Received> filtered = new LinkedBlockingQueue<>();
        HttpResponse<InputStream> ndjson = follow("", "application/x-ndjson", all);
        HttpResponse<InputStream> sse = follow("&contains=got+done", "text/event-stream", filtered);
        try {
            List<CompletableFuture<String>> calls = oneCallOnEachReplica();
            Set<String> answeredBy = new HashSet<>();
            for (CompletableFuture<String> call : calls) {
                answeredBy.add(call.get(WAIT_SECONDS, TimeUnit.SECONDS).toLowerCase());
            }
            assertThat(answeredBy).isEqualTo(providers());
            Set<String> followedProviders = new HashSet<>();
            Set<Long> seqs = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                Received line = next(all);
                assertThat(line.text()).isEqualTo("got slow");
                followedProviders.add(line.provider().toLowerCase());
                seqs.add(line.seq());
            }
            assertThat(followedProviders).as("one line from each replica's provider").isEqualTo(providers());
            assertThat(seqs).hasSize(3);

            // a later call's line follows, in both streams; the filtered one has shown nothing before it
            given().body("done").when().post("/fn/" + name + "/x").then().statusCode(200);
            assertThat(next(all).text()).isEqualTo("got done");
            Received done = next(filtered);
            assertThat(done.text()).isEqualTo("got done");
            assertThat(done.eventId()).isEqualTo(String.valueOf(done.seq()));
            assertThat(all).isEmpty();
        } finally {
            LogQueryTest.close(ndjson);
            LogQueryTest.close(sse);
        }
    }

    @Test
    void theLinesOfAProviderWhoseAgentIsGoneAndLeaseClosedAreStillReturned() throws Exception {
        for (CompletableFuture<String> call : oneCallOnEachReplica()) {
            call.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        AgentStub gone = agents.get(2);
        String goneProvider = gone.provider.address().checksummed();
        LeaseView lease = MarketplaceStub.LEASES.values().stream()
                .filter(l -> l.providerEndpoint().equals(gone.endpoint())).findFirst().orElseThrow();
        gone.close();
        LeaseView closed = new LeaseView(lease.id(), lease.bidId(), lease.owner(), lease.provider(), lease.providerEndpoint(),
                lease.kind(), lease.resources(), lease.prices(), LeaseState.CLOSED, lease.createdAt(), Instant.now(),
                lease.provider(), "provider lost its disk");
        MarketplaceStub.LEASES.put(lease.id(), closed);
        ReplicaHealthTest.publish(EventEnvelope.of(MarketEvents.LEASE_CLOSED, MarketEvents.SOURCE, Instant.now(),
                lease.id().toString(), closed));
        // the gateway has taken the replica out of its deployment
        ReplicaHealthTest.await(() -> {
            List<String> leases = dev.get("/api/v1/functions/" + name + "/deployments").statusCode(200).extract()
                    .path("[0].placed.leaseId");
            return !leases.contains(lease.id().toString());
        });

        List<Received> everything = LogStreams.all(base, dev.token, name, "", false);
        assertThat(everything).extracting(r -> r.provider().toLowerCase())
                .containsExactlyInAnyOrderElementsOf(List.copyOf(providers()));
        assertThat(LogStreams.all(base, dev.token, name, "provider=" + goneProvider, true))
                .extracting(Received::text).containsExactly("got slow");
    }

    /**
     * A call recorded late with an earlier record time than lines a follower already has (another gateway instance
     * whose recording waited for the database): the follower still gets it, after them, and nothing twice.
     */
    @Test
    void aLineRecordedAfterLaterLinesWereFollowedStillReachesTheFollower() throws Exception {
        UUID function = LogStreams.functionId(dataSource, name);
        BlockingQueue<Received> lines = new LinkedBlockingQueue<>();
        HttpResponse<InputStream> followed = follow("", "application/x-ndjson", lines);
        try {
            Instant now = Instant.now();
            LogStreams.record(store, function, List.of(LogStreams.Call.of(LogStreams.provider(), now, List.of("on time"))));
            assertThat(next(lines).text()).isEqualTo("on time");
            LogStreams.record(store, function, List.of(LogStreams.Call.of(LogStreams.provider(), now.minusSeconds(60),
                    List.of("recorded late"))));
            assertThat(next(lines).text()).isEqualTo("recorded late");
            LogStreams.record(store, function, List.of(LogStreams.Call.of(LogStreams.provider(), now.plusSeconds(1),
                    List.of("after"))));
            assertThat(next(lines).text()).isEqualTo("after");
            assertThat(lines).isEmpty();
        } finally {
            LogQueryTest.close(followed);
        }
        // a query (not followed) gives them in record order
        assertThat(LogStreams.all(base, dev.token, name, "", false)).extracting(Received::text)
                .containsExactly("recorded late", "on time", "after");
    }
}
