package cloud.agora.marketplace.api;

import static cloud.agora.marketplace.api.Market.prices;
import static cloud.agora.marketplace.api.Market.resources;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.support.writer.SingleWriter;
import cloud.agora.testsupport.OtherWriter;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A marketplace that lost its lock and has not noticed yet (its next check is an hour away here; in production a
 * check interval plus a timeout, or a paused process) still believes it is the writer: its book decides, but the
 * commit finds another epoch in the writer fence and records nothing. In its own application, where the test runs
 * the writer's checks itself.
 */
@QuarkusTest
@TestProfile(StaleMarketWriterTest.ChecksByHand.class)
class StaleMarketWriterTest {

    /** The scheduler's check is an hour away: this test calls {@link SingleWriter#check()} itself. */
    public static class ChecksByHand implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agora.single-writer.check-interval", "1h");
        }
    }

    @Inject
    AgroalDataSource dataSource;

    @Inject
    SingleWriter writer;

    List<Long> counts() throws SQLException {
        return MarketWriterTest.counts(dataSource);
    }

    @Test
    void aStaleWriterCannotCommitABidAfterAnotherInstanceTookOver() throws Exception {
        String region = "stale-" + UUID.randomUUID().toString().substring(0, 8);
        Market.participant().provide(region, resources(4000, 8192, 0), prices("1000", "200", "5", "300"));
        Market developer = Market.participant();
        Map<String, Object> bid = new HashMap<>(Market.bid(resources(500, 512, 0), 1, prices("5000", "5000", "50", "5000")));
        bid.put("constraints", Map.of("region", region));

        try (OtherWriter other = OtherWriter.takeOver(dataSource, "marketplace")) {
            assertThat(writer.isWriter()).as("the service has not noticed: it still believes it is the writer").isTrue();
            List<Long> before = counts();
            developer.post("/api/v1/bids", bid).statusCode(503).contentType("application/problem+json")
                    .body("type", equalTo("urn:agora:problem:not-the-writer"));
            assertThat(counts()).as("bids, leases, providers, outbox: the stale commit is refused").isEqualTo(before);

            writer.check();
            assertThat(writer.isWriter()).as("the next check finds the lock taken").isFalse();
            given().when().get("/q/health/ready").then().statusCode(503);
        }
        writer.check();
        assertThat(writer.isWriter()).isTrue();
        given().when().get("/q/health/ready").then().statusCode(200);
        developer.post("/api/v1/bids", bid).statusCode(201).body("status", equalTo("MATCHED"));
    }
}
