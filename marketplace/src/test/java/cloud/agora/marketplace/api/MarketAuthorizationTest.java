package cloud.agora.marketplace.api;

import static cloud.agora.marketplace.api.Market.bid;
import static cloud.agora.marketplace.api.Market.prices;
import static cloud.agora.marketplace.api.Market.resources;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SiweMessage;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.testsupport.Wallet;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each object is seen and changed only by its parties; every refusal is a problem and changes nothing. */
@QuarkusTest
class MarketAuthorizationTest {

    static final Map<String, Object> ASK = prices("1000", "200", "5", "300");
    static final Map<String, Object> MAX = prices("5000", "5000", "50", "5000");

    @ConfigProperty(name = "agora.auth.secret")
    String secret;

    Market provider;
    Market alice;
    Market mallory;
    String bidId;
    String leaseId;

    @BeforeEach
    void market() {
        String region = "auth-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        provider = Market.participant().provide(region, resources(4000, 8192, 0), ASK);
        alice = Market.participant();
        mallory = Market.participant();
        Map<String, Object> spec = new java.util.HashMap<>(bid(resources(500, 512, 0), 2, MAX));
        spec.put("constraints", Map.of("region", region));
        bidId = alice.post("/api/v1/bids", spec).statusCode(201).extract().path("id");
        leaseId = alice.get("/api/v1/bids/" + bidId).extract().path("leaseIds[0]");
    }

    @Test
    void anotherDeveloperCannotSeeOrCancelABid() {
        mallory.get("/api/v1/bids/" + bidId).statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:forbidden"));
        mallory.delete("/api/v1/bids/" + bidId).statusCode(403).body("type", equalTo("urn:agora:problem:forbidden"));
        alice.get("/api/v1/bids/" + bidId).statusCode(200).body("status", equalTo("OPEN"));
    }

    @Test
    void anOutsiderCannotSeeOrCloseALeaseButBothPartiesCanSeeIt() {
        mallory.get("/api/v1/leases/" + leaseId).statusCode(403).body("type", equalTo("urn:agora:problem:forbidden"));
        mallory.post("/api/v1/leases/" + leaseId + "/close", Map.of()).statusCode(403);
        alice.get("/api/v1/leases/" + leaseId).statusCode(200).body("state", equalTo("ACTIVE"));
        provider.get("/api/v1/leases/" + leaseId).statusCode(200).body("state", equalTo("ACTIVE"));
    }

    /** Anvil's dev account 8, a storage gateway of the test profile ({@code agora.market.gateways.storage}). */
    static final Wallet STORAGE_GATEWAY = Wallet.of(org.web3j.crypto.ECKeyPair.create(new java.math.BigInteger(
            "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97", 16)));

    private static Map<String, Object> storageBid(String region, String payer) {
        Map<String, Object> spec = new java.util.HashMap<>(bid(resources(0, 0, 1), 1, MAX));
        spec.put("kind", "STORAGE");
        spec.put("constraints", Map.of("region", region));
        spec.put("payer", payer);
        return spec;
    }

    @Test
    void aStorageGatewayBidsForTheAccountThatPaysAndKeepsTheBidAndItsLeaseInHand() {
        String region = "store-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Market storer = Market.participant().provide(region, resources(1000, 1024, 10), ASK);
        Market gateway = Market.as(STORAGE_GATEWAY);
        String bid = gateway.post("/api/v1/bids", storageBid(region, alice.address())).statusCode(201)
                .body("owner", equalTo(alice.address())).extract().path("id");
        String lease = gateway.get("/api/v1/bids/" + bid).statusCode(200).extract().path("leaseIds[0]");
        // the account pays: it owns the lease (billing charges the owner), and sees it
        alice.get("/api/v1/leases/" + lease).statusCode(200).body("owner", equalTo(alice.address()))
                .body("provider", equalTo(storer.address())).body("kind", equalTo("STORAGE"));
        mallory.get("/api/v1/leases/" + lease).statusCode(403);
        // the gateway that brokered it reads and closes it
        gateway.get("/api/v1/leases/" + lease).statusCode(200).body("owner", equalTo(alice.address()));
        gateway.post("/api/v1/leases/" + lease + "/close", Map.of("reason", "audit-failed")).statusCode(200)
                .body("state", equalTo("CLOSED")).body("closedBy", equalTo(gateway.address()));
    }

    @Test
    void onlyAStorageGatewayPlacesABidAnotherAccountPaysAndOnlyAStorageBid() {
        String region = "store-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Market.participant().provide(region, resources(1000, 1024, 10), ASK);
        mallory.post("/api/v1/bids", storageBid(region, alice.address())).statusCode(403)
                .body("type", equalTo("urn:agora:problem:forbidden"));
        Map<String, Object> compute = new java.util.HashMap<>(bid(resources(500, 512, 0), 1, MAX));
        compute.put("constraints", Map.of("region", region));
        compute.put("payer", alice.address());
        Market.as(STORAGE_GATEWAY).post("/api/v1/bids", compute).statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-bid"));
        // nothing was placed for alice: her one lease is the one of the set-up
        alice.get("/api/v1/leases").statusCode(200).body("size()", equalTo(1));
        mallory.get("/api/v1/leases").statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void nobodyListsAnotherPartysLeases() {
        mallory.get("/api/v1/leases?owner=" + alice.address()).statusCode(403).body("type", equalTo("urn:agora:problem:forbidden"));
        mallory.get("/api/v1/leases?provider=" + provider.address()).statusCode(403);
        mallory.get("/api/v1/leases").statusCode(200).body("size()", equalTo(0));
        alice.get("/api/v1/leases").statusCode(200).body("size()", equalTo(1));
    }

    @Test
    void aProviderChangesOnlyItsOwnOfferAndRegistration() {
        mallory.put("/api/v1/providers/" + provider.address() + "/offer",
                Map.of("capacity", resources(1, 1, 0), "prices", prices("1", "1", "1", "1"))).statusCode(403)
                .body("type", equalTo("urn:agora:problem:forbidden"));
        mallory.post("/api/v1/providers/" + provider.address() + "/heartbeat", Map.of()).statusCode(403);
        mallory.post("/api/v1/providers", Map.of("address", provider.address(), "endpoint", "http://evil:1", "region", "x"))
                .statusCode(403);
        mallory.get("/api/v1/providers/" + provider.address() + "/leases/stream").statusCode(403);
        given().get("/api/v1/providers/" + provider.address()).then().statusCode(200)
                .body("endpoint", equalTo("http://agent.example:8090"))
                .body("capacity.cpuMillis", equalTo(4000)).body("prices.perVcpuSecond", equalTo("1000"));
    }

    @Test
    void mutatingWithoutATokenIsUnauthenticated() {
        given().contentType(ContentType.JSON).body(bid(resources(500, 512, 0), 1, MAX)).post("/api/v1/bids").then()
                .statusCode(401).contentType("application/problem+json").body("type", equalTo("urn:agora:problem:unauthenticated"));
        given().contentType(ContentType.JSON).body("{}").post("/api/v1/leases/" + leaseId + "/close").then().statusCode(401);
        alice.get("/api/v1/leases/" + leaseId).statusCode(200).body("state", equalTo("ACTIVE"));
    }

    @Test
    void forgedAndExpiredTokensAreRefused() {
        Address aliceAddress = alice.wallet.address();
        String forged = new AccessTokens("not-the-platform-secret-0123456789ab".getBytes(StandardCharsets.UTF_8),
                Duration.ofHours(1)).issue(aliceAddress, Instant.now()).token();
        given().auth().oauth2(forged).delete("/api/v1/bids/" + bidId).then().statusCode(401)
                .body("type", equalTo("urn:agora:problem:invalid-token"));
        String expired = new AccessTokens(secret.getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(1))
                .issue(aliceAddress, Instant.now().minus(Duration.ofMinutes(2))).token();
        given().auth().oauth2(expired).delete("/api/v1/bids/" + bidId).then().statusCode(401)
                .body("type", equalTo("urn:agora:problem:invalid-token")).body("detail", equalTo("the token has expired"));
        alice.get("/api/v1/bids/" + bidId).statusCode(200).body("status", equalTo("OPEN"));
    }

    @Test
    void signInRefusesAChallengeSignedByAnotherKey() {
        Wallet other = Wallet.random();
        String message = given().contentType(ContentType.JSON).body(Map.of("address", alice.address()))
                .post("/api/v1/auth/challenge").then().statusCode(200).extract().path("message");
        given().contentType(ContentType.JSON)
                .body(Map.of("message", message, "signature", PersonalSignature.sign(message, other.key())))
                .post("/api/v1/auth/token").then().statusCode(401).body("type", equalTo("urn:agora:problem:sign-in-rejected"));
        given().contentType(ContentType.JSON).body(Map.of("message", "hello", "signature", "0x00"))
                .post("/api/v1/auth/token").then().statusCode(400).body("type", equalTo("urn:agora:problem:invalid-sign-in"));
    }

    @Test
    void aSignedMessagePostedTwiceGivesOneTokenAndTheSecondPostIsRejected() {
        Wallet wallet = Wallet.random();
        String message = given().contentType(ContentType.JSON).body(Map.of("address", wallet.address().checksummed()))
                .post("/api/v1/auth/challenge").then().statusCode(200).extract().path("message");
        Map<String, String> signed = Map.of("message", message, "signature", PersonalSignature.sign(message, wallet.key()));

        String token = given().contentType(ContentType.JSON).body(signed).post("/api/v1/auth/token").then().statusCode(200)
                .body("token", notNullValue()).extract().path("token");
        given().contentType(ContentType.JSON).body(signed).post("/api/v1/auth/token").then().statusCode(401)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:sign-in-rejected"))
                .body("detail", containsString("already exchanged")).body("$", not(hasKey("token")));
        // the one token works
        given().auth().oauth2(token).get("/api/v1/leases").then().statusCode(200);
    }

    @Test
    void twoChallengesForOneAddressInOneSecondCarryDifferentNonces() {
        String address = alice.address();
        boolean sameSecond = false;
        for (int attempt = 0; attempt < 5 && !sameSecond; attempt++) {
            SiweMessage first = SiweMessage.parse(given().contentType(ContentType.JSON).body(Map.of("address", address))
                    .post("/api/v1/auth/challenge").then().statusCode(200).extract().path("message"));
            SiweMessage second = SiweMessage.parse(given().contentType(ContentType.JSON).body(Map.of("address", address))
                    .post("/api/v1/auth/challenge").then().statusCode(200).extract().path("message"));
            sameSecond = first.issuedAt().equals(second.issuedAt());
            assertThat(second.nonce()).isNotEqualTo(first.nonce());
        }
        assertThat(sameSecond).as("two challenges issued within one second").isTrue();
    }
}
