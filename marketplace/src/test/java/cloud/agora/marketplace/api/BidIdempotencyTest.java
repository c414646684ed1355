package cloud.agora.marketplace.api;

import static cloud.agora.marketplace.api.Market.prices;
import static cloud.agora.marketplace.api.Market.resources;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import cloud.agora.protocol.market.IdempotencyKeys;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/bids} with an {@code Idempotency-Key}: a lost answer retried places nothing twice. Each test
 * counts the developer's bids and leases and the outbox in PostgreSQL, so each fails if the key were ignored.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
class BidIdempotencyTest {

    static final Map<String, Object> ASK = prices("1000", "200", "5", "300");
    static final Map<String, Object> MAX = prices("5000", "5000", "50", "5000");

    @Inject
    AgroalDataSource dataSource;

    @Inject
    cloud.agora.marketplace.domain.MarketDesk desk;

    Market provider;
    Market developer;
    String region;

    @BeforeEach
    void market() {
        region = "idem-" + UUID.randomUUID().toString().substring(0, 8);
        // room for many replicas: a second bid would match and lease at once
        provider = Market.participant().provide(region, resources(4000, 8192, 0), ASK);
        developer = Market.participant();
    }

    Map<String, Object> bid(int replicas) {
        Map<String, Object> bid = new HashMap<>(Market.bid(resources(500, 512, 0), replicas, MAX));
        bid.put("constraints", Map.of("region", region));
        return bid;
    }

    ExtractableResponse<Response> place(Market who, String key, Object body) {
        var request = given().auth().oauth2(who.token).contentType(ContentType.JSON).body(body);
        if (key != null) {
            request = request.header(IdempotencyKeys.HEADER, key);
        }
        return request.when().post("/api/v1/bids").then().extract();
    }

    @Test
    void aRetriedBidWithTheSameKeyCreatesOneBidAndOneLease() throws SQLException {
        String key = IdempotencyKeys.generate();
        long outboxBefore = outboxSequence();

        ExtractableResponse<Response> first = place(developer, key, bid(1));
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.header(IdempotencyKeys.REPLAYED_HEADER)).isNull();
        String bidId = first.path("id");
        String leaseId = first.path("leaseIds[0]");
        assertThat(first.<String>path("status")).isEqualTo("MATCHED");

        // the same bid written another way: prices as JSON numbers, the key as a structured-field string
        String sameBidOtherJson = "{\"ttlSeconds\":600,\"constraints\":{\"region\":\"" + region + "\"},"
                + "\"maxPrices\":{\"perGiBMonth\":5000,\"perInvocation\":50,\"perGiBSecond\":5000,\"perVcpuSecond\":5000},"
                + "\"replicas\":1,\"resources\":{\"storageGiB\":0,\"memoryMiB\":512,\"cpuMillis\":500}}";
        for (Object retry : List.of(bid(1), sameBidOtherJson)) {
            ExtractableResponse<Response> again = place(developer, retry instanceof String ? "\"" + key + "\"" : key, retry);
            assertThat(again.statusCode()).as("a replay answers 200, not 201").isEqualTo(200);
            assertThat(again.header(IdempotencyKeys.REPLAYED_HEADER)).isEqualTo("true");
            assertThat(again.header("Location")).endsWith("/api/v1/bids/" + bidId);
            assertThat(again.<String>path("id")).isEqualTo(bidId);
            assertThat(again.<List<String>>path("leaseIds")).containsExactly(leaseId);
        }

        assertThat(bidsOf(developer)).as("bids of the developer").isEqualTo(1);
        assertThat(leasesOf(developer)).as("leases of the developer").isEqualTo(1);
        assertThat(outboxSequence() - outboxBefore).as("one LeaseCreated event").isEqualTo(1);
        given().get("/api/v1/providers/" + provider.address()).then().statusCode(200)
                .body("free.cpuMillis", equalTo(3500));
    }

    @Test
    void theSameKeyWithAnotherBodyIsRefusedWithAProblemAndChangesNothing() throws SQLException {
        String key = IdempotencyKeys.generate();
        String bidId = place(developer, key, bid(1)).path("id");
        List<Long> before = counts();

        for (Map<String, Object> other : List.of(bid(2), withTtl(bid(1), 601), withRegion(bid(1), "elsewhere"))) {
            given().auth().oauth2(developer.token).contentType(ContentType.JSON).header(IdempotencyKeys.HEADER, key)
                    .body(other).when().post("/api/v1/bids").then()
                    .statusCode(422)
                    .contentType("application/problem+json")
                    .body("type", equalTo("urn:agora:problem:idempotency-key-reused"))
                    .body("status", equalTo(422))
                    .body("bidId", equalTo(bidId))
                    .body("idempotencyKey", equalTo(key));
        }

        assertThat(counts()).as("bids, leases, keys, outbox sequence").isEqualTo(before);
        developer.get("/api/v1/bids/" + bidId).statusCode(200).body("replicas", equalTo(1)).body("leaseIds", hasSize(1));
    }

    @Test
    void concurrentRetriesWithTheSameKeyCreateOneBid() throws Exception {
        String key = IdempotencyKeys.generate();
        int retries = 8;
        ExecutorService pool = Executors.newFixedThreadPool(retries + 1);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ExtractableResponse<Response>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < retries; i++) {
                Callable<ExtractableResponse<Response>> retry = () -> {
                    start.await();
                    return place(developer, key, bid(2));
                };
                answers.add(pool.submit(retry));
            }
            // hold the desk busy so that the retries queue up and are applied as one batch, before one commit: the
            // second of them must still find the first's key
            CountDownLatch deskBusy = new CountDownLatch(1);
            Future<Object> busy = pool.submit(() -> desk.query((book, now) -> {
                deskBusy.countDown();
                try {
                    Thread.sleep(1500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }));
            deskBusy.await();
            start.countDown();
            busy.get();
            List<Integer> statuses = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (Future<ExtractableResponse<Response>> answer : answers) {
                statuses.add(answer.get().statusCode());
                ids.add(answer.get().path("id"));
            }
            assertThat(statuses).as("one placement, the rest replays").containsOnly(200, 201);
            assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(1);
            assertThat(ids).as("every answer names the one bid").containsOnly(ids.get(0));
        } finally {
            pool.shutdownNow();
        }
        assertThat(bidsOf(developer)).isEqualTo(1);
        assertThat(leasesOf(developer)).as("one bid of two replicas: two leases, not sixteen").isLessThanOrEqualTo(2);
        assertThat(keys(developer)).isEqualTo(1);
    }

    @Test
    void aKeyIsKeptAcrossARestartOfTheMarket() throws SQLException {
        String key = IdempotencyKeys.generate();
        String bidId = place(developer, key, bid(1)).path("id");
        desk.reload(); // what a restart does: the book is rebuilt from PostgreSQL

        ExtractableResponse<Response> again = place(developer, key, bid(1));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.<String>path("id")).isEqualTo(bidId);
        assertThat(bidsOf(developer)).isEqualTo(1);
        assertThat(leasesOf(developer)).isEqualTo(1);
    }

    @Test
    void aKeyBelongsToItsBidderSoAnotherDevelopersSameKeyPlacesItsOwnBid() throws SQLException {
        String key = IdempotencyKeys.generate();
        Market other = Market.participant();
        String mine = place(developer, key, bid(1)).path("id");
        ExtractableResponse<Response> theirs = place(other, key, bid(1));
        assertThat(theirs.statusCode()).isEqualTo(201);
        assertThat(theirs.<String>path("id")).isNotEqualTo(mine);
        assertThat(theirs.<String>path("owner")).isEqualTo(other.address());
        assertThat(bidsOf(developer)).isEqualTo(1);
        assertThat(bidsOf(other)).isEqualTo(1);
    }

    @Test
    void withoutAKeyEveryRequestPlacesABidAsBefore() throws SQLException {
        assertThat(place(developer, null, bid(1)).statusCode()).isEqualTo(201);
        assertThat(place(developer, null, bid(1)).statusCode()).isEqualTo(201);
        assertThat(bidsOf(developer)).isEqualTo(2);
        assertThat(leasesOf(developer)).isEqualTo(2);
        assertThat(keys(developer)).isZero();
    }

    @Test
    void anInvalidKeyIsRefusedWithAProblemAndPlacesNothing() throws SQLException {
        List<Long> before = counts();
        for (String invalid : List.of("\"\"", "a b", "k".repeat(IdempotencyKeys.MAX_LENGTH + 1))) {
            given().auth().oauth2(developer.token).contentType(ContentType.JSON).header(IdempotencyKeys.HEADER, invalid)
                    .body(bid(1)).when().post("/api/v1/bids").then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("type", equalTo("urn:agora:problem:invalid-idempotency-key"))
                    .body("bidId", nullValue());
        }
        assertThat(counts()).isEqualTo(before);
    }

    private static Map<String, Object> withTtl(Map<String, Object> bid, int ttl) {
        bid.put("ttlSeconds", ttl);
        return bid;
    }

    private static Map<String, Object> withRegion(Map<String, Object> bid, String region) {
        bid.put("constraints", Map.of("region", region));
        return bid;
    }

    private long bidsOf(Market who) throws SQLException {
        return count("SELECT count(*) FROM bids WHERE owner = ?", who);
    }

    private long leasesOf(Market who) throws SQLException {
        return count("SELECT count(*) FROM leases WHERE owner = ?", who);
    }

    private long keys(Market who) throws SQLException {
        return count("SELECT count(*) FROM bid_idempotency_keys WHERE bidder = ?", who);
    }

    private long count(String sql, Market who) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, who.wallet.address().value());
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private long outboxSequence() throws SQLException {
        return counts().get(3);
    }

    /** Rows in bids, leases and idempotency keys, plus events ever appended (the outbox sequence). */
    private List<Long> counts() throws SQLException {
        try (Connection c = dataSource.getConnection(); var s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM bids), (SELECT count(*) FROM leases), "
                     + "(SELECT count(*) FROM bid_idempotency_keys), (SELECT last_value FROM outbox_seq_seq)")) {
            r.next();
            return List.of(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4));
        }
    }
}
