package cloud.agora.governance.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.governance.messaging.DecisionLoop;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.OtherWriter;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Governance keeps one writer by itself: while another instance holds the role this one is not ready, refuses
 * proposals and votes with 503 {@code not-the-writer} storing nothing, and its decision loop tallies nothing (the
 * writer alone sends to the chain); once it is the writer again, the loop goes on from what is stored.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GovernanceDevnetResource.class)
class GovernanceWriterTest {

    static final Duration DEADLINE = Duration.ofSeconds(30);

    @InjectDevnet
    Devnet devnet;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    DecisionLoop loop;

    static int readiness() {
        return given().when().get("/q/health/ready").then().extract().statusCode();
    }

    String storedState(long id) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT state FROM proposal WHERE id = " + id)) {
            r.next();
            return r.getString(1);
        }
    }

    @Test
    void aStandbyIsNotReadyRefusesProposalsAndVotesAndItsLoopDecidesNothing() throws Exception {
        Holder holder = new Holder(devnet.account(5));
        long id = holder.proposeChanges(Map.of("billing.voucher-threshold", "3000000000000000"));
        devnet.mine(2); // past the snapshot: voting is open

        try (OtherWriter other = OtherWriter.takeOver(dataSource, "governance")) {
            Awaitility.await("readiness DOWN").atMost(DEADLINE).until(() -> readiness() == 503);
            given().when().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'single-writer' }.status", equalTo("DOWN"));

            List<Long> before = Db.counts(dataSource);
            holder.propose(Map.of("title", "t", "changes", List.of(Map.of("parameter", "escrow.fee-bps", "value", "150"))))
                    .statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", notNullValue())
                    .body("type", equalTo("urn:agora:problem:not-the-writer"))
                    .body("writer", equalTo("governance"));
            holder.vote(devnet.token().governanceDomain(), id, VoteSupport.FOR, "").statusCode(503)
                    .body("type", equalTo("urn:agora:problem:not-the-writer"));
            assertThat(Db.counts(dataSource)).as("proposals, changes, votes, history, outbox").isEqualTo(before);
            given().when().get("/api/v1/parameters").then().statusCode(200); // reads from the database still work

            long end = Holder.proposal(id).statusCode(200).extract().jsonPath().getLong("endBlock");
            devnet.mine((int) (end + 1 - devnet.chain().blockNumber()));
            long seen = loop.passes();
            Awaitility.await("a whole pass of the loop").atMost(DEADLINE).until(() -> loop.passes() >= seen + 2);
            assertThat(storedState(id)).as("a standby's loop tallies nothing").isNull();
            // showing it would need the tally, which only the writer records
            Holder.proposal(id).statusCode(503).body("type", equalTo("urn:agora:problem:not-the-writer"));
        }

        Awaitility.await("the writer role back").atMost(DEADLINE).until(() -> readiness() == 200);
        Awaitility.await("the writer's loop tallies").atMost(DEADLINE).until(() -> storedState(id) != null);
        Holder.proposal(id).statusCode(200).body("state", equalTo("defeated"));
    }
}
