package cloud.agora.marketplace.api;

import static cloud.agora.marketplace.api.Market.prices;
import static cloud.agora.marketplace.api.Market.resources;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import cloud.agora.testsupport.OtherWriter;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The marketplace keeps one writer by itself: an instance whose lock another instance took is not ready, refuses
 * writes with 503 {@code not-the-writer} and changes nothing, and when it is the writer again its book is what the
 * database holds, including what the other instance wrote meanwhile.
 */
@QuarkusTest
class MarketWriterTest {

    static final Map<String, Object> ASK = prices("1000", "200", "5", "300");
    static final Map<String, Object> MAX = prices("5000", "5000", "50", "5000");
    static final Duration DEADLINE = Duration.ofSeconds(30);

    @Inject
    AgroalDataSource dataSource;

    static Map<String, Object> bidIn(String region) {
        Map<String, Object> bid = new HashMap<>(Market.bid(resources(500, 512, 0), 1, MAX));
        bid.put("constraints", Map.of("region", region));
        return bid;
    }

    static int readiness() {
        return given().when().get("/q/health/ready").then().extract().statusCode();
    }

    List<Long> counts() throws SQLException {
        return counts(dataSource);
    }

    /** Bids, leases and providers recorded, and the outbox's last sequence number: what a refused write must not move. */
    static List<Long> counts(AgroalDataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM bids), (SELECT count(*) FROM leases), "
                     + "(SELECT count(*) FROM providers), (SELECT last_value FROM outbox_seq_seq)")) {
            r.next();
            return List.of(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4));
        }
    }

    @Test
    void aStandbyIsNotReadyRefusesWritesAndReloadsTheOtherWritersChangesWhenItIsTheWriterAgain() throws Exception {
        String region = "writer-" + UUID.randomUUID().toString().substring(0, 8);
        Market provider = Market.participant().provide(region, resources(4000, 8192, 0), ASK);
        Market developer = Market.participant();
        String lease = developer.post("/api/v1/bids", bidIn(region)).statusCode(201).extract().path("leaseIds[0]");

        String moved = region + "-moved";
        try (OtherWriter other = OtherWriter.takeOver(dataSource, "marketplace")) {
            other.execute("UPDATE providers SET region = ? WHERE address = ?", moved, provider.wallet.address().value());
            Awaitility.await("readiness DOWN").atMost(DEADLINE).until(() -> readiness() == 503);
            given().when().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'single-writer' }.status", equalTo("DOWN"));

            List<Long> before = counts();
            developer.post("/api/v1/bids", bidIn(region)).statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", notNullValue())
                    .body("type", equalTo("urn:agora:problem:not-the-writer"))
                    .body("writer", equalTo("marketplace"));
            developer.post("/api/v1/leases/" + lease + "/close", Map.of("reason", "done")).statusCode(503)
                    .body("type", equalTo("urn:agora:problem:not-the-writer"));
            provider.post("/api/v1/providers/" + provider.address() + "/heartbeat", Map.of()).statusCode(503);
            assertThat(counts()).as("bids, leases, providers, outbox").isEqualTo(before);
            // what the database alone answers is still served
            developer.get("/api/v1/leases/" + lease).statusCode(200).body("state", equalTo("ACTIVE"));
        }

        Awaitility.await("the writer role back").atMost(DEADLINE).until(() -> readiness() == 200);
        provider.get("/api/v1/providers/" + provider.address()).statusCode(200).body("region", equalTo(moved));
        developer.post("/api/v1/leases/" + lease + "/close", Map.of("reason", "done")).statusCode(200)
                .body("state", equalTo("CLOSED"));
    }

    @Test
    void theOnlyInstanceIsTheWriterAgainAfterItsLockSessionIsKilled() throws Exception {
        long epoch = epoch();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'agora-single-writer'"
                    + " AND datname = current_database()");
        }
        Awaitility.await("a new epoch").atMost(DEADLINE).until(() -> epoch() > epoch && readiness() == 200);
        String region = "again-" + UUID.randomUUID().toString().substring(0, 8);
        Market.participant().provide(region, resources(4000, 8192, 0), ASK);
        Market.participant().post("/api/v1/bids", bidIn(region)).statusCode(201).body("status", equalTo("MATCHED"));
    }

    long epoch() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT epoch FROM writer_fence WHERE name = 'marketplace'")) {
            r.next();
            return r.getLong(1);
        }
    }
}
