package cloud.agora.agent.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.lease.Marketplace;
import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInChallenges;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.testsupport.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

/**
 * {@code GET /api/v1/workloads} names leases and their consumers: only the agent's own provider, signed in at the
 * agent with Sign-In with Ethereum, sees it. The requests are those {@code agora cli login} sends.
 */
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class WorkloadResourceTest {

    static final Address OWNER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    static final Address PROVIDER = Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    @Inject
    LeaseReconciler reconciler;
    @Inject
    AccessTokens agentTokens;

    UUID leaseId;

    @BeforeEach
    void holdALease() {
        leaseId = UUID.randomUUID();
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, new LeaseView(leaseId, UUID.randomUUID(), OWNER,
                PROVIDER, "http://localhost:8090", BidKind.COMPUTE, new Resources(500, 64, 0),
                new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.ZERO), LeaseState.ACTIVE, Instant.now(), null, null, null)));
    }

    /** What {@code agora cli login --key <key> --url <agent>} does: challenge, personal_sign, token. */
    static io.restassured.response.Response signIn(ECKeyPair key) {
        String message = given().contentType(ContentType.JSON)
                .body(Map.of("address", PersonalSignature.addressOf(key).checksummed()))
                .post("/api/v1/auth/challenge").then().statusCode(200).extract().path("message");
        return given().contentType(ContentType.JSON)
                .body(Map.of("message", message, "signature", PersonalSignature.sign(message, key))).post("/api/v1/auth/token");
    }

    @Test
    void theSignedInProviderSeesItsWorkloads() {
        String token = signIn(AgentTestResource.PROVIDER_KEY).then().statusCode(200).extract().path("token");
        given().auth().oauth2(token).get("/api/v1/workloads").then().statusCode(200).body("driver", equalTo("runc"))
                .body("workloads.find { it.leaseId == '" + leaseId + "' }.limits.memoryMiB", equalTo(64))
                .body("workloads.find { it.leaseId == '" + leaseId + "' }.consumer", equalTo(OWNER.checksummed()));
    }

    @Test
    void workloadsWithoutCredentialsAreRefusedAndRevealNothing() {
        String body = given().get("/api/v1/workloads").then().statusCode(401).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:unauthenticated")).extract().asString();
        assertThat(body).doesNotContain(leaseId.toString()).doesNotContain(OWNER.checksummed());
        given().header("Authorization", "Basic eDp5").get("/api/v1/workloads").then().statusCode(401)
                .body("type", equalTo("urn:agora:problem:unauthenticated"));
    }

    @Test
    void anotherAddressCannotSignInAndItsTokensAreRefused() {
        ECKeyPair stranger = AgentTestResource.FORGER;
        Address strangerAddress = PersonalSignature.addressOf(stranger);
        given().contentType(ContentType.JSON).body(Map.of("address", strangerAddress.checksummed()))
                .post("/api/v1/auth/challenge").then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:not-this-provider"));

        // a token of this agent naming another address (never issued by sign-in; the filter must still refuse it)
        String foreignSubject = agentTokens.issue(strangerAddress, Instant.now()).token();
        String body = given().auth().oauth2(foreignSubject).get("/api/v1/workloads").then().statusCode(403)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:not-this-provider"))
                .extract().asString();
        assertThat(body).doesNotContain(leaseId.toString());

        // a platform service's token (another secret), even for the provider's own address
        AccessTokens platform = new AccessTokens("a platform secret of at least 32 bytes!".getBytes(), Duration.ofHours(1));
        given().auth().oauth2(platform.issue(PROVIDER, Instant.now()).token()).get("/api/v1/workloads").then().statusCode(401)
                .body("type", equalTo("urn:agora:problem:invalid-token"));
    }

    @Test
    void theProvidersChallengeSignedByAnotherKeyGivesNoToken() {
        String message = given().contentType(ContentType.JSON).body(Map.of("address", PROVIDER.checksummed()))
                .post("/api/v1/auth/challenge").then().statusCode(200).extract().path("message");
        given().contentType(ContentType.JSON)
                .body(Map.of("message", message, "signature", PersonalSignature.sign(message, AgentTestResource.FORGER)))
                .post("/api/v1/auth/token").then().statusCode(401).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:sign-in-rejected"));

        // a challenge this agent did not issue (another process's secret), signed by the provider itself
        String elsewhere = new SignInChallenges("another process's challenge secret!!".getBytes(), "localhost:8090",
                "http://localhost:8090", 31337, Duration.ofMinutes(5)).challenge(PROVIDER, Instant.now()).toText();
        given().contentType(ContentType.JSON)
                .body(Map.of("message", elsewhere, "signature", PersonalSignature.sign(elsewhere, AgentTestResource.PROVIDER_KEY)))
                .post("/api/v1/auth/token").then().statusCode(401).body("type", equalTo("urn:agora:problem:sign-in-rejected"));
    }

    @Test
    void theProvidersSignedMessagePostedTwiceGivesOneToken() {
        String message = given().contentType(ContentType.JSON).body(Map.of("address", PROVIDER.checksummed()))
                .post("/api/v1/auth/challenge").then().statusCode(200).extract().path("message");
        Map<String, String> signed = Map.of("message", message,
                "signature", PersonalSignature.sign(message, AgentTestResource.PROVIDER_KEY));

        String token = given().contentType(ContentType.JSON).body(signed).post("/api/v1/auth/token").then().statusCode(200)
                .extract().path("token");
        String refused = given().contentType(ContentType.JSON).body(signed).post("/api/v1/auth/token").then().statusCode(401)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:sign-in-rejected"))
                .body("detail", containsString("already exchanged")).body("$", not(hasKey("token"))).extract().asString();
        assertThat(refused).doesNotContain(token);
        given().auth().oauth2(token).get("/api/v1/workloads").then().statusCode(200);

        // the next challenge, even within the same second, is another message with its own nonce
        String next = given().contentType(ContentType.JSON).body(Map.of("address", PROVIDER.checksummed()))
                .post("/api/v1/auth/challenge").then().statusCode(200).extract().path("message");
        assertThat(next).isNotEqualTo(message);
    }
}
