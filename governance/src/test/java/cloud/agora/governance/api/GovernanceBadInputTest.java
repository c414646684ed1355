package cloud.agora.governance.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Refused proposals and votes: a problem response with a stable type, and nothing stored. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GovernanceDevnetResource.class)
class GovernanceBadInputTest {

    @InjectDevnet
    Devnet devnet;

    @Inject
    AgroalDataSource dataSource;

    void refused(ValidatableResponse response, int status, String type, String detail) throws SQLException {
        response.statusCode(status).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:" + type))
                .body("status", equalTo(status))
                .body("detail", containsString(detail));
    }

    static Map<String, Object> proposal(String parameter, Object value) {
        return Map.of("title", "t", "description", "", "changes", List.of(Map.of("parameter", parameter, "value", value)));
    }

    @Test
    void outOfBoundsUnknownOrMalformedChangesAreRefused() throws SQLException {
        Holder holder = new Holder(devnet.account(5));
        List<Long> before = Db.counts(dataSource);

        refused(holder.propose(proposal("escrow.fee-bps", "1001")), 400, "invalid-proposal", "out of bounds [0, 1000]");
        refused(holder.propose(proposal("escrow.fee-bps", "-1")), 400, "invalid-proposal", "out of bounds");
        refused(holder.propose(proposal("escrow.fee-bps", "1.5")), 400, "invalid-proposal", "not an integer");
        refused(holder.propose(proposal("escrow.withdrawal-delay", "PT721H")), 400, "invalid-proposal", "out of bounds");
        refused(holder.propose(proposal("marketplace.heartbeat-timeout", "45 seconds")), 400, "invalid-proposal", "ISO-8601");
        refused(holder.propose(proposal("marketplace.heartbeat-timeout", "PT1S")), 400, "invalid-proposal", "out of bounds");
        refused(holder.propose(proposal("escrow.treasury", "0x00")), 400, "invalid-proposal", "no governed parameter");
        // the delay of passed changes: declared from PT0S, but no vote goes below the floor (PT1S in tests)
        refused(holder.propose(proposal("governance.timelock", "PT0S")), 400, "invalid-proposal", "below the floor PT1S");
        refused(holder.propose(proposal("governance.timelock", "PT1.5S")), 400, "invalid-proposal", "whole seconds");
        refused(holder.propose(Map.of("title", "t", "changes", List.of())), 400, "invalid-proposal", "at least one");
        refused(holder.propose(Map.of("title", "t", "changes", List.of(Map.of("parameter", "escrow.fee-bps", "value", "1"),
                Map.of("parameter", "escrow.fee-bps", "value", "2")))), 400, "invalid-proposal", "twice");
        refused(holder.propose(Map.of("title", "", "changes", List.of(Map.of("parameter", "escrow.fee-bps", "value", "1")))),
                400, "invalid-proposal", "title");
        refused(holder.propose(Map.of("title", "t", "changes", List.of(Map.of("parameter", "escrow.fee-bps", "value", "1")),
                "colour", "blue")), 400, "invalid-body", "colour");

        assertThat(Db.counts(dataSource)).as("proposals, changes, votes, history, outbox").isEqualTo(before);
    }

    @Test
    void holdersBelowTheThresholdCannotPropose() throws SQLException {
        Holder empty = new Holder(devnet.newAccount());
        List<Long> before = Db.counts(dataSource);

        refused(empty.propose(proposal("escrow.fee-bps", "200")), 403, "below-proposal-threshold", "needs 1000000000000000000000");
        given().contentType(ContentType.JSON).body(proposal("escrow.fee-bps", "200")).when().post("/api/v1/proposals")
                .then().statusCode(401);

        assertThat(Db.counts(dataSource)).isEqualTo(before);
    }

    @Test
    void votesBeforeTheSnapshotOrAfterTheEndAreRefused() throws SQLException {
        Holder holder = new Holder(devnet.account(7));
        long id = holder.proposeChanges(Map.of("billing.voucher-threshold", "2000000000000000"));
        List<Long> before = Db.counts(dataSource);

        refused(holder.vote(devnet.token().governanceDomain(), id, VoteSupport.FOR, ""), 409, "voting-not-open", "opens after snapshot block");

        long end = Holder.proposal(id).extract().jsonPath().getLong("endBlock");
        devnet.mine((int) (end + 1 - devnet.chain().blockNumber()));
        refused(holder.vote(devnet.token().governanceDomain(), id, VoteSupport.FOR, ""), 409, "voting-not-open", "ended at block " + end);
        refused(holder.vote(devnet.token().governanceDomain(), 999_999, VoteSupport.FOR, ""), 404, "proposal-not-found", "999999");
        refused(given().when().get("/api/v1/proposals/999999").then(), 404, "proposal-not-found", "999999");

        assertThat(Db.counts(dataSource).subList(0, 3)).isEqualTo(before.subList(0, 3));
    }

    @Test
    void parametersAreDeclaredWithBoundsUnitsAndWhereTheyTakeEffect() {
        given().when().get("/api/v1/parameters").then().statusCode(200)
                .body("size()", equalTo(20))
                .body("find { it.name == 'billing.voucher-period' }.unit", equalTo("duration"))
                .body("find { it.name == 'billing.witness-window' }.unit", equalTo("duration"))
                .body("find { it.name == 'billing.witness-window' }.takesEffectIn", equalTo("billing"))
                .body("find { it.name == 'billing.voucher-period' }.takesEffectIn", equalTo("billing"))
                .body("find { it.name == 'escrow.fee-bps' }.onChain", equalTo(true))
                .body("find { it.name == 'escrow.fee-bps' }.max", equalTo("1000"))
                .body("find { it.name == 'escrow.fee-bps' }.unit", equalTo("bps"))
                .body("find { it.name == 'marketplace.heartbeat-timeout' }.takesEffectIn", equalTo("marketplace"))
                .body("find { it.name == 'governance.voting-period' }.value", equalTo("10"))
                .body("find { it.name == 'governance.timelock' }.min", equalTo("PT1S"))
                .body("find { it.name == 'governance.timelock' }.onChain", equalTo(true))
                .body("find { it.name == 'governance.timelock' }.takesEffectIn", equalTo("timelock"))
                .body("find { it.name == 'governance.voting-period' }.history[0].proposalId", org.hamcrest.Matchers.nullValue());
    }
}
