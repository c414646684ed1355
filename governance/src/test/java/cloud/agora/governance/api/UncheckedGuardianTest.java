package cloud.agora.governance.api;

import cloud.agora.governance.messaging.DecisionLoop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A configured guardian that cannot cancel on the timelock (here: an address that never got the canceller role)
 * would silently remove the veto: governance then schedules nothing, and a passed on-chain change stays
 * {@code succeeded} with the chain untouched.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GovernanceDevnetResource.class)
@TestProfile(UncheckedGuardianTest.NotAGuardian.class)
class UncheckedGuardianTest {

    static final String NOT_A_GUARDIAN = "0x00000000000000000000000000000000DeaDBeef";

    /** The configured guardian is an address the timelock never gave the canceller role. */
    public static class NotAGuardian implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agora.chain.guardians", NOT_A_GUARDIAN);
        }
    }

    @Inject
    DecisionLoop loop;

    /** Waits until one whole pass of the decision loop began after now: it had every chance to act. */
    void awaitWholeLoopPass() {
        long seen = loop.passes();
        await().atMost(Duration.ofSeconds(30)).until(() -> loop.passes() >= seen + 2);
    }

    @InjectDevnet
    Devnet devnet;

    @Test
    void nothingIsScheduledWhileAConfiguredGuardianCannotCancel() throws Exception {
        RestAssured.get("/api/v1/timelock").then().statusCode(200)
                .body("guardians[0].address", equalTo(NOT_A_GUARDIAN))
                .body("guardians[0].canCancel", equalTo(false));
        int fee = devnet.escrow().feeBps();

        Holder holder = new Holder(devnet.account(2));
        long id = holder.proposeChanges(Map.of("escrow.fee-bps", "700"));
        JsonPath p = Holder.proposal(id).extract().jsonPath();
        devnet.mine((int) (p.getLong("snapshotBlock") + 1 - devnet.chain().blockNumber()));
        holder.vote(devnet.token().governanceDomain(), id, VoteSupport.FOR, "").statusCode(200);
        devnet.mine((int) (Holder.proposal(id).extract().jsonPath().getLong("endBlock") + 1 - devnet.chain().blockNumber()));
        await().atMost(Duration.ofSeconds(20)).until(() -> !"active".equals(Holder.proposal(id).extract().jsonPath().getString("state")));
        long head = devnet.chain().blockNumber();

        awaitWholeLoopPass();
        Holder.proposal(id).body("state", equalTo("succeeded")).body("timelockOperation", nullValue());
        assertThat(devnet.chain().blockNumber()).as("no schedule transaction").isEqualTo(head);
        assertThat(devnet.escrow().feeBps()).isEqualTo(fee);
    }
}
