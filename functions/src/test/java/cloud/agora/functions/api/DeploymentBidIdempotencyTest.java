package cloud.agora.functions.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.domain.deployment.FunctionDeployer;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every bid functions places is recorded with its idempotency key before the marketplace is asked, so a bid whose
 * answer never got recorded — the answer lost, or the recording failed as in a crash between placing and recording —
 * is placed again with the same key and the marketplace (here its stand-in, which keeps keys as the real one does)
 * answers the bid it already placed: one bid, one set of leases. Each test fails if a retry sent a new key.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
@QuarkusTestResource(BillingStub.class)
class DeploymentBidIdempotencyTest {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    FunctionDeployer deployer;

    Developer dev;
    String name;

    @BeforeEach
    void published() {
        dev = Developer.signedIn();
        name = "idem-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
    }

    @AfterEach
    void answersArriveAgain() {
        MarketplaceStub.LOSE_ANSWERS.set(0);
    }

    String deployments() {
        return "/api/v1/functions/" + name + "/deployments";
    }

    @Test
    void aDeploymentWhoseAnswerWasLostIsPlacedAgainAfterARestartWithItsKeyAndLeasesOnce() throws SQLException {
        MarketplaceStub.LOSE_ANSWERS.set(1);
        dev.post(deployments(), DeploymentTest.order(1, 2, "eu")).statusCode(502)
                .body("type", equalTo("urn:agora:problem:marketplace-unavailable"));
        assertThat(ReplicaHealthTest.bidsOf(dev)).as("the marketplace placed the bid").isEqualTo(1);
        dev.get(deployments()).statusCode(200).body("$", hasSize(0));
        assertThat(openIntents()).isEqualTo(1);

        // what the service does at start (and every interval): place the open intents again
        assertThat(deployer.resumeIntendedBids(Instant.now().plusSeconds(1))).isEqualTo(1);

        assertOneBidWithItsKeySentTwiceAndOneDeploymentOnIt(2);
        assertThat(deployer.resumeIntendedBids(Instant.now().plusSeconds(1))).as("nothing left open").isZero();
        assertThat(ReplicaHealthTest.bidsOf(dev)).isEqualTo(1);
    }

    @Test
    void aCrashBetweenPlacingAndRecordingADeploymentLeaksNoSecondLease() throws SQLException {
        // the recording fails after the marketplace answered, as if the process died right there
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE OR REPLACE FUNCTION crash_before_record() RETURNS trigger AS $$ BEGIN"
                    + " RAISE EXCEPTION 'the process died before recording the deployment'; END $$ LANGUAGE plpgsql");
            s.execute("CREATE TRIGGER crash_" + name.replace('-', '_') + " BEFORE INSERT ON deployments FOR EACH ROW"
                    + " WHEN (NEW.function_id = '" + functionId() + "') EXECUTE FUNCTION crash_before_record()");
        }
        try {
            dev.post(deployments(), DeploymentTest.order(1, 3, "eu")).statusCode(500);
        } finally {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP TRIGGER crash_" + name.replace('-', '_') + " ON deployments");
            }
        }
        assertThat(ReplicaHealthTest.bidsOf(dev)).isEqualTo(1);
        dev.get(deployments()).statusCode(200).body("$", hasSize(0));

        assertThat(deployer.resumeIntendedBids(Instant.now().plusSeconds(1))).isEqualTo(1);

        assertOneBidWithItsKeySentTwiceAndOneDeploymentOnIt(3);
    }

    @Test
    void aReplacementBidWhoseAnswerWasLostIsPlacedAgainWithItsKeyNotASecondTime() {
        String id = dev.post(deployments(), DeploymentTest.order(1, 2, "eu")).statusCode(201)
                .body("status", equalTo("ACTIVE")).extract().path("id");
        String lost = dev.get(deployments() + "/" + id).extract().path("placed[0].leaseId");
        LeaseView lease = MarketplaceStub.LEASES.get(UUID.fromString(lost));
        MarketplaceStub.LEASES.put(lease.id(), new LeaseView(lease.id(), lease.bidId(), lease.owner(), lease.provider(),
                lease.providerEndpoint(), lease.kind(), lease.resources(), lease.prices(), LeaseState.CLOSED,
                lease.createdAt(), Instant.now(), lease.provider(), "walked away"));

        MarketplaceStub.LOSE_ANSWERS.set(1);
        dev.get(deployments() + "/" + id).statusCode(502); // the replacement is placed, its answer lost
        assertThat(ReplicaHealthTest.bidsOf(dev)).as("the deployment's bid and the replacement").isEqualTo(2);

        dev.get(deployments() + "/" + id).statusCode(200).body("status", equalTo("ACTIVE")).body("placed", hasSize(2));
        dev.get(deployments() + "/" + id).statusCode(200).body("placed", hasSize(2));

        assertThat(ReplicaHealthTest.bidsOf(dev)).as("no second replacement").isEqualTo(2);
        MarketplaceStub.Held replacement = MarketplaceStub.BIDS.values().stream()
                .filter(h -> MarketplaceStub.sameOwner(h.token(), dev.token) && h.spec().replicas() == 1)
                .findFirst().orElseThrow();
        assertThat(replacement.key()).isNotNull();
        assertThat(Collections.frequency(MarketplaceStub.KEYS_SENT, replacement.key())).as("placed, then again").isEqualTo(2);
        assertThat(openIntents()).isZero();
    }

    io.restassured.response.ValidatableResponse deploy(String key, Object order) {
        return io.restassured.RestAssured.given().auth().oauth2(dev.token).header("Idempotency-Key", key)
                .contentType(io.restassured.http.ContentType.JSON).body(order).when().post(deployments()).then();
    }

    @Test
    void aDeployRetriedWithItsKeyAfterALostAnswerMakesOneDeploymentAndOneBid() throws SQLException {
        String key = UUID.randomUUID().toString();
        MarketplaceStub.LOSE_ANSWERS.set(1);
        deploy(key, DeploymentTest.order(1, 2, "eu")).statusCode(502); // the developer never learns what happened

        String id = deploy(key, DeploymentTest.order(1, 2, "eu")).statusCode(200)
                .header("Idempotent-Replayed", equalTo("true")).body("status", equalTo("ACTIVE")).extract().path("id");
        deploy(key, DeploymentTest.order(1, 2, "eu")).statusCode(200).body("id", equalTo(id));

        dev.get(deployments()).statusCode(200).body("$", hasSize(1)).body("[0].id", equalTo(id));
        assertThat(ReplicaHealthTest.bidsOf(dev)).as("one bid for three requests").isEqualTo(1);
        assertThat(openIntents()).isZero();
    }

    @Test
    void aKeyUsedForAnotherOrderIsRefusedAndChangesNothing() {
        String key = UUID.randomUUID().toString();
        String id = deploy(key, DeploymentTest.order(1, 2, "eu")).statusCode(201).extract().path("id");

        deploy(key, DeploymentTest.order(1, 3, "eu")).statusCode(422)
                .body("type", equalTo("urn:agora:problem:idempotency-key-reused")).body("deploymentId", equalTo(id));
        deploy("not a key", DeploymentTest.order(1, 2, "eu")).statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-idempotency-key"));

        dev.get(deployments()).statusCode(200).body("$", hasSize(1));
        assertThat(ReplicaHealthTest.bidsOf(dev)).isEqualTo(1);
    }

    @Test
    void twoRequestsWithOneKeyAtOnceMakeOneDeployment() throws Exception {
        String key = UUID.randomUUID().toString();
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<String>> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ids.add(pool.submit(() -> {
                    start.await();
                    return deploy(key, DeploymentTest.order(1, 2, "eu")).statusCode(org.hamcrest.Matchers.oneOf(200, 201))
                            .extract().<String>path("id");
                }));
            }
            start.countDown();
            assertThat(ids.get(0).get(60, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(ids.get(1).get(60, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        dev.get(deployments()).statusCode(200).body("$", hasSize(1));
        assertThat(ReplicaHealthTest.bidsOf(dev)).isEqualTo(1);
        assertThat(openIntents()).isZero();
    }

    private void assertOneBidWithItsKeySentTwiceAndOneDeploymentOnIt(int replicas) throws SQLException {
        List<MarketplaceStub.Held> bids = MarketplaceStub.BIDS.values().stream()
                .filter(h -> MarketplaceStub.sameOwner(h.token(), dev.token)).toList();
        assertThat(bids).as("one bid, not one per attempt").hasSize(1);
        MarketplaceStub.Held bid = bids.get(0);
        assertThat(bid.view().leaseIds()).hasSize(replicas);
        assertThat(bid.key()).isNotNull();
        assertThat(Collections.frequency(MarketplaceStub.KEYS_SENT, bid.key())).as("the same key both times").isEqualTo(2);
        dev.get(deployments()).statusCode(200).body("$", hasSize(1))
                .body("[0].bidId", equalTo(bid.view().id().toString()))
                .body("[0].status", equalTo("ACTIVE")).body("[0].placed", hasSize(replicas));
        assertThat(openIntents()).isZero();
    }

    private long openIntents() {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM bid_intents i JOIN functions f ON f.id = i.function_id"
                        + " WHERE f.name = ? AND i.resolved_at IS NULL")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private UUID functionId() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT id FROM functions WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getObject(1, UUID.class);
            }
        }
    }
}
