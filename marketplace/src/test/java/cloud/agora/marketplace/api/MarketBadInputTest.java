package cloud.agora.marketplace.api;

import static cloud.agora.marketplace.api.Market.prices;
import static cloud.agora.marketplace.api.Market.resources;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every class of bad input gets an RFC 9457 problem with a stable type and leaves the market as it was. */
@QuarkusTest
class MarketBadInputTest {

    static final Map<String, Object> ASK = prices("1000", "200", "5", "300");
    static final Map<String, Object> MAX = prices("5000", "5000", "50", "5000");

    @Inject
    AgroalDataSource dataSource;

    Market provider;
    Market developer;
    String region;

    @BeforeEach
    void market() {
        region = "bad-" + UUID.randomUUID().toString().substring(0, 8);
        provider = Market.participant().provide(region, resources(4000, 8192, 0), ASK);
        developer = Market.participant();
    }

    Map<String, Object> validBid() {
        Map<String, Object> bid = new HashMap<>(Market.bid(resources(500, 512, 0), 1, MAX));
        bid.put("constraints", Map.of("region", region));
        return bid;
    }

    Map<String, Object> bidWith(String field, Object value) {
        Map<String, Object> bid = validBid();
        bid.put(field, value);
        return bid;
    }

    void refusedBid(Object body, String type, String detail) throws SQLException {
        List<Long> before = counts();
        developer.post("/api/v1/bids", body).statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:" + type))
                .body("status", equalTo(400))
                .body("title", org.hamcrest.Matchers.notNullValue())
                .body("detail", containsString(detail))
                .body("instance", equalTo("/api/v1/bids"));
        assertThat(counts()).as("bids, leases, outbox rows").isEqualTo(before);
    }

    @Test
    void wrongTypesAndUnknownFieldsAreInvalidBodies() throws SQLException {
        refusedBid(bidWith("resources", Map.of("cpuMillis", "lots", "memoryMiB", 512, "storageGiB", 0)), "invalid-body", "cpuMillis");
        refusedBid(bidWith("replicas", "two"), "invalid-body", "replicas");
        refusedBid(bidWith("replicas", 1.5), "invalid-body", "replicas");
        refusedBid(bidWith("colour", "blue"), "invalid-body", "colour");
        refusedBid(bidWith("kind", "QUANTUM"), "invalid-body", "kind");
        refusedBid("{\"resources\": ", "invalid-body", "JSON");
    }

    @Test
    void negativeOrZeroResourcesAreRefused() throws SQLException {
        refusedBid(bidWith("resources", resources(-500, 512, 0)), "invalid-body", "negative");
        refusedBid(bidWith("resources", resources(0, 512, 0)), "invalid-bid", "more than zero CPU and memory");
        refusedBid(bidWith("resources", resources(500, 0, 0)), "invalid-bid", "more than zero CPU and memory");
        refusedBid(bidWith("resources", Map.of("cpuMillis", new BigInteger("99999999999999999999"), "memoryMiB", 1, "storageGiB", 0)),
                "invalid-body", "cpuMillis");
    }

    @Test
    void pricesThatOverflowOrAreNotWholeWeiAreRefused() throws SQLException {
        String tooBig = BigInteger.TWO.pow(256).toString();
        refusedBid(bidWith("maxPrices", prices(tooBig, "1", "1", "1")), "invalid-body", "perVcpuSecond");
        refusedBid(bidWith("maxPrices", prices(new BigInteger(tooBig), "1", "1", "1")), "invalid-body", "perVcpuSecond");
        refusedBid(bidWith("maxPrices", prices("-1", "1", "1", "1")), "invalid-body", "perVcpuSecond");
        refusedBid(bidWith("maxPrices", prices(1.5, "1", "1", "1")), "invalid-body", "perVcpuSecond");
        refusedBid(bidWith("maxPrices", Map.of("perVcpuSecond", "1")), "invalid-body", "maxPrices");
        List<Long> before = counts();
        provider.put("/api/v1/providers/" + provider.address() + "/offer",
                Map.of("capacity", resources(1000, 1024, 0), "prices", prices(tooBig, "1", "1", "1"))).statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-body"));
        assertThat(counts()).isEqualTo(before);
        given().get("/api/v1/providers/" + provider.address()).then().body("prices.perVcpuSecond", equalTo("1000"));
    }

    @Test
    void replicasOutsideOneToTheMaximumAreRefused() throws SQLException {
        refusedBid(bidWith("replicas", 0), "invalid-bid", "replicas must be from 1 to 16");
        refusedBid(bidWith("replicas", 17), "invalid-bid", "replicas must be from 1 to 16");
        refusedBid(bidWith("replicas", -3), "invalid-bid", "replicas must be from 1 to 16");
    }

    @Test
    void lifetimesAndConstraintsOutsideTheRulesAreRefused() throws SQLException {
        refusedBid(bidWith("ttlSeconds", 0), "invalid-bid", "ttlSeconds");
        refusedBid(bidWith("ttlSeconds", 30L * 86400), "invalid-bid", "ttlSeconds");
        refusedBid(bidWith("constraints", Map.of("region", "Not A Region")), "invalid-bid", "region");
        refusedBid(bidWith("constraints", Map.of("attributes", Map.of("bad key!", "x"))), "invalid-bid", "attribute");
        refusedBid(bidWith("constraints", Map.of("avoidProviders", List.of("0x1234"))), "invalid-body", "avoidProviders");
        List<String> many = java.util.stream.IntStream.rangeClosed(1, 65)
                .mapToObj(i -> String.format("0x%040x", i)).toList();
        refusedBid(bidWith("constraints", Map.of("avoidProviders", many)), "invalid-bid", "at most 64 providers");
    }

    @Test
    void unknownIdsAreNotFoundProblems() throws SQLException {
        List<Long> before = counts();
        UUID unknown = UUID.randomUUID();
        developer.get("/api/v1/bids/" + unknown).statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:bid-not-found")).body("bidId", equalTo(unknown.toString()));
        developer.delete("/api/v1/bids/" + unknown).statusCode(404).body("type", equalTo("urn:agora:problem:bid-not-found"));
        developer.get("/api/v1/leases/" + unknown).statusCode(404).body("type", equalTo("urn:agora:problem:lease-not-found"));
        developer.post("/api/v1/leases/" + unknown + "/close", Map.of()).statusCode(404)
                .body("type", equalTo("urn:agora:problem:lease-not-found"));
        developer.get("/api/v1/bids/not-a-uuid").statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:not-found"));
        developer.put("/api/v1/providers/" + developer.address() + "/offer",
                Map.of("capacity", resources(1000, 1024, 0), "prices", ASK)).statusCode(404)
                .body("type", equalTo("urn:agora:problem:provider-not-found"));
        developer.get("/api/v1/leases?owner=0xNOTANADDRESS").statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-address"));
        given().get("/api/v1/nothing-here").then().statusCode(404).contentType("application/problem+json");
        assertThat(counts()).isEqualTo(before);
    }

    @Test
    void badProviderRegistrationsAndOffersAreRefused() throws SQLException {
        List<Long> before = counts();
        Market newcomer = Market.participant();
        newcomer.post("/api/v1/providers", Map.of("address", newcomer.address(), "endpoint", "ftp://x", "region", "eu"))
                .statusCode(400).body("type", equalTo("urn:agora:problem:invalid-provider")).body("detail", containsString("endpoint"));
        newcomer.post("/api/v1/providers", Map.of("address", newcomer.address(), "endpoint", "http://x", "region", ""))
                .statusCode(400).body("type", equalTo("urn:agora:problem:invalid-provider"));
        newcomer.post("/api/v1/providers", Map.of("address", "0x1234", "endpoint", "http://x", "region", "eu"))
                .statusCode(400).body("type", equalTo("urn:agora:problem:invalid-body")).body("detail", containsString("address"));
        given().get("/api/v1/providers/" + newcomer.address()).then().statusCode(404);
        provider.put("/api/v1/providers/" + provider.address() + "/offer",
                Map.of("capacity", resources(0, 0, 0), "prices", ASK)).statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-offer"));
        provider.put("/api/v1/providers/" + provider.address() + "/offer", Map.of("prices", ASK)).statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-offer"));
        given().get("/api/v1/providers/" + provider.address()).then().body("capacity.cpuMillis", equalTo(4000));
        assertThat(counts()).isEqualTo(before);
    }

    @Test
    void aChangeWhoseRecordingFailsIsRolledBackEntirelyAndPublishesNothing() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE OR REPLACE FUNCTION refuse_777() RETURNS trigger AS $$
                    BEGIN RAISE EXCEPTION 'simulated failure while recording a lease'; END $$ LANGUAGE plpgsql""");
            s.execute("CREATE TRIGGER refuse_777 BEFORE INSERT ON leases FOR EACH ROW WHEN (NEW.cpu_millis = 777) "
                    + "EXECUTE FUNCTION refuse_777()");
        }
        try {
            List<Long> before = counts();
            developer.post("/api/v1/bids", bidWith("resources", resources(777, 512, 0))).statusCode(500)
                    .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:internal-error"));
            assertThat(counts()).as("no bid, no lease, no event").isEqualTo(before);
            // the book was rebuilt from the database: the capacity was not leaked and the next bid matches
            given().get("/api/v1/providers/" + provider.address()).then().body("free.cpuMillis", equalTo(4000));
            developer.post("/api/v1/bids", bidWith("resources", resources(4000, 512, 0))).statusCode(201)
                    .body("status", equalTo("MATCHED"));
        } finally {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP TRIGGER refuse_777 ON leases");
            }
        }
    }

    @Test
    void aPreviewPlacesNothingAndABadOneIsRefusedAsABidIs() throws SQLException {
        List<Long> before = counts();
        developer.post("/api/v1/bids/preview", validBid()).statusCode(200)
                .body("replicas", equalTo(1)).body("wouldLease", equalTo(1)).body("providersWithOffers",
                        org.hamcrest.Matchers.greaterThanOrEqualTo(1))
                .body("matching.find { it.provider == '" + provider.address() + "' }.prices.perVcpuSecond",
                        equalTo("1000"))
                .body("matching.find { it.provider == '" + provider.address() + "' }.wouldLease",
                        equalTo(true));
        developer.post("/api/v1/bids/preview", bidWith("replicas", 0)).statusCode(400)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:invalid-bid"))
                .body("instance", equalTo("/api/v1/bids/preview"));
        developer.post("/api/v1/bids/preview", "{\"resources\": 7}").statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-body"));
        given().contentType(ContentType.JSON).body(validBid()).when().post("/api/v1/bids/preview").then()
                .statusCode(401).body("type", equalTo("urn:agora:problem:unauthenticated"));
        assertThat(counts()).as("bids, leases, providers, outbox: a preview records nothing").isEqualTo(before);
        // and reserved nothing: the provider's whole capacity is still free
        given().when().get("/api/v1/providers/" + provider.address()).then().statusCode(200)
                .body("free.cpuMillis", equalTo(4000));
    }

    /** Rows in bids, leases and the outbox, plus events ever appended (the outbox sequence). */
    /**
     * Only the headers are sent, announcing 11 MiB (above Quarkus's default 10,240 KiB): the answer comes from the
     * length alone, before a byte of the body exists.
     */
    @Test
    void aBodyAboveTheServiceLimitIsRefusedByItsLengthWithAProblem() throws Exception {
        List<Long> before = counts();
        String answer;
        try (java.net.Socket socket = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /api/v1/bids HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + developer.token + "\r\nContent-Type: application/json\r\nContent-Length: " + 11 * 1024 * 1024
                    + "\r\n\r\n{").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            answer = Market.readAnswer(socket.getInputStream());
        }
        assertThat(answer).startsWith("HTTP/1.1 413").containsIgnoringCase("content-type: application/problem+json")
                .contains("\"type\":\"urn:agora:problem:body-too-large\"").contains("\"maxBytes\":" + 10240 * 1024)
                .contains("\"instance\":\"/api/v1/bids\"");
        assertThat(counts()).as("bids, leases, outbox rows").isEqualTo(before);
    }

    private List<Long> counts() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM bids), (SELECT count(*) FROM leases), "
                     + "(SELECT count(*) FROM providers), (SELECT last_value FROM outbox_seq_seq)")) {
            r.next();
            return List.of(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4));
        }
    }
}
