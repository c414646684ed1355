package cloud.agora.governance.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import cloud.agora.contracts.chain.ContractRevertedException;
import cloud.agora.contracts.chain.OperationState;
import cloud.agora.contracts.chain.Timelock;
import cloud.agora.contracts.chain.TimelockOperation;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.governance.messaging.DecisionLoop;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Passed on-chain changes go through the escrow's timelock: the governance key cannot change the fee itself, a change
 * waits the delay on chain whatever the service does, a guardian can cancel it meanwhile (the proposal shows
 * {@code cancelled}, nothing changes), and the delay itself is governed, on chain too, above its floor.
 *
 * <p>The steps share one chain and run in order: the delay is lengthened to an hour first (so that there is time to
 * act during it; the devnet's delay is a second), then set back to a second for the other test classes.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GovernanceDevnetResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TimelockFlowTest {

    static final Duration HOUR = Duration.ofHours(1);

    @Inject
    DecisionLoop loop;

    /** Waits until one whole pass of the decision loop began after now: it had every chance to act. */
    void awaitWholeLoopPass() {
        long seen = loop.passes();
        await().atMost(Duration.ofSeconds(30)).until(() -> loop.passes() >= seen + 2);
    }

    @InjectDevnet
    Devnet devnet;

    /** Proposes {@code changes}, votes them through with one holder's million AGORA, mines past the end. */
    long pass(Map<String, String> changes) {
        Holder holder = new Holder(devnet.account(2));
        long id = holder.proposeChanges(changes);
        JsonPath p = Holder.proposal(id).extract().jsonPath();
        devnet.mine((int) (p.getLong("snapshotBlock") + 1 - devnet.chain().blockNumber()));
        holder.vote(devnet.token().governanceDomain(), id, VoteSupport.FOR, "").statusCode(200);
        long end = Holder.proposal(id).extract().jsonPath().getLong("endBlock");
        devnet.mine((int) (end + 1 - devnet.chain().blockNumber()));
        return id;
    }

    String awaitState(long id, String... states) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> List.of(states).contains(Holder.proposal(id).extract().jsonPath().getString("state")));
        return Holder.proposal(id).extract().jsonPath().getString("state");
    }

    /** The proposal's timelock operation as anyone recomputes it: the fee call, salted by the proposal. */
    TimelockOperation feeOperation(long id, int feeBps) {
        long createdBlock = Holder.proposal(id).extract().jsonPath().getLong("createdBlock");
        return TimelockOperation.of(List.of(devnet.escrow().setFeeCall(feeBps)),
                TimelockOperation.saltOf("agora-governance:proposal:" + id + ":created-block:" + createdBlock));
    }

    int feeHistory() {
        return RestAssured.get("/api/v1/parameters").then().statusCode(200).extract().jsonPath()
                .getInt("find { it.name == 'escrow.fee-bps' }.history.size()");
    }

    @Test
    @Order(1)
    void theTimelockIsTheEscrowsExecutorAndItsGuardiansCanCancel() {
        assertThat(devnet.escrow().executor()).isEqualTo(devnet.timelock().address());
        RestAssured.get("/api/v1/timelock").then().statusCode(200)
                .body("address", equalTo(devnet.timelock().address().checksummed()))
                .body("minDelay", equalTo("PT1S"))
                .body("minDelayFloor", equalTo("PT1S"))
                .body("configuredFloor", equalTo("PT1S"))
                .body("proposer", equalTo(devnet.governanceKey().address().checksummed()))
                .body("guardians[0].address", equalTo(devnet.guardian().address().checksummed()))
                .body("guardians[0].canCancel", equalTo(true));
    }

    @Test
    @Order(2)
    void aVoteLengthensTheDelayOnChainThroughTheTimelockItself() {
        long id = pass(Map.of("governance.timelock", "PT1H"));
        assertThat(awaitState(id, "executed", "defeated", "cancelled")).isEqualTo("executed");
        Holder.proposal(id).body("changes[0].txHash", startsWith("0x"));
        assertThat(devnet.timelock().minDelay()).isEqualTo(HOUR);
        RestAssured.get("/api/v1/parameters").then()
                .body("find { it.name == 'governance.timelock' }.value", equalTo("PT1H"));
        RestAssured.get("/api/v1/timelock").then().body("minDelay", equalTo("PT1H"));
    }

    @Test
    @Order(3)
    void aGuardianCancelsAQueuedFeeChangeAndTheFeeNeverChanges() throws Exception {
        int fee = devnet.escrow().feeBps();
        int history = feeHistory();
        long id = pass(Map.of("escrow.fee-bps", "400"));
        assertThat(awaitState(id, "queued", "executed", "cancelled")).isEqualTo("queued");
        TimelockOperation operation = feeOperation(id, 400);
        Holder.proposal(id).body("timelockOperation", equalTo(operation.id().hex())).body("eta", notNullValue());
        Timelock timelock = devnet.timelock();
        assertThat(timelock.state(operation.id())).isEqualTo(OperationState.WAITING);

        // the key governance holds cannot bypass the delay: not on the escrow, not through the timelock
        assertThatThrownBy(() -> devnet.escrow().setFee(devnet.governanceKey(), 400)).isInstanceOfSatisfying(
                ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowUnauthorizedExecutor"));
        assertThatThrownBy(() -> timelock.execute(devnet.governanceKey(), operation)).isInstanceOfSatisfying(
                ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("TimelockUnexpectedOperationState"));

        timelock.cancel(devnet.guardian(), operation.id());
        assertThat(awaitState(id, "cancelled", "executed")).isEqualTo("cancelled");
        Holder.proposal(id).body("cancelledAt", notNullValue()).body("executedAt", org.hamcrest.Matchers.nullValue())
                .body("changes[0].executedAt", org.hamcrest.Matchers.nullValue());

        // past the delay: still nothing, whoever tries
        devnet.increaseTime(HOUR.plusSeconds(1));
        assertThatThrownBy(() -> timelock.execute(devnet.governanceKey(), operation)).isInstanceOf(ContractRevertedException.class);
        awaitWholeLoopPass();
        Holder.proposal(id).body("state", equalTo("cancelled"));
        assertThat(devnet.escrow().feeBps()).isEqualTo(fee);
        assertThat(feeHistory()).as("the fee's history").isEqualTo(history);
        RestAssured.get("/api/v1/parameters").then()
                .body("find { it.name == 'escrow.fee-bps' }.value", equalTo(Integer.toString(fee)));
    }

    /**
     * A service parameter waits in the on-chain timelock too, as an operation that commits to the change: a guardian
     * cancels it there like a fee change, and the service's value never changes (nothing is published for it).
     */
    @Test
    @Order(4)
    void aGuardianCancelsAQueuedServiceParameterChangeAndItNeverTakesEffect() {
        String before = RestAssured.get("/api/v1/parameters").then().extract().jsonPath()
                .getString("find { it.name == 'marketplace.max-bid-lifetime' }.value");
        long id = pass(Map.of("marketplace.max-bid-lifetime", "PT100H"));
        assertThat(awaitState(id, "queued", "executed", "cancelled")).isEqualTo("queued");
        String operation = Holder.proposal(id).extract().jsonPath().getString("timelockOperation");
        assertThat(devnet.timelock().state(Bytes32.parse(operation))).isEqualTo(OperationState.WAITING);

        devnet.timelock().cancel(devnet.guardian(), Bytes32.parse(operation));
        assertThat(awaitState(id, "cancelled", "executed")).isEqualTo("cancelled");
        devnet.increaseTime(HOUR.plusSeconds(1));
        awaitWholeLoopPass();
        Holder.proposal(id).body("state", equalTo("cancelled")).body("changes[0].executedAt", org.hamcrest.Matchers.nullValue());
        RestAssured.get("/api/v1/parameters").then()
                .body("find { it.name == 'marketplace.max-bid-lifetime' }.value", equalTo(before));
    }

    @Test
    @Order(5)
    void aFeeChangeTakesEffectOnlyAfterTheDelayOnChain() throws Exception {
        int fee = devnet.escrow().feeBps();
        long id = pass(Map.of("escrow.fee-bps", "300"));
        assertThat(awaitState(id, "queued", "executed", "cancelled")).isEqualTo("queued");
        TimelockOperation operation = feeOperation(id, 300);

        // early: refused on chain, and the service waits for the chain (its own eta is the chain's)
        assertThatThrownBy(() -> devnet.timelock().execute(devnet.governanceKey(), operation)).isInstanceOfSatisfying(
                ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("TimelockUnexpectedOperationState"));
        awaitWholeLoopPass();
        Holder.proposal(id).body("state", equalTo("queued"));
        assertThat(devnet.escrow().feeBps()).isEqualTo(fee);

        devnet.increaseTime(HOUR);
        assertThat(awaitState(id, "executed", "cancelled", "expired")).isEqualTo("executed");
        assertThat(devnet.escrow().feeBps()).isEqualTo(300);
        assertThat(devnet.timelock().state(operation.id())).isEqualTo(OperationState.DONE);
        Holder.proposal(id).body("changes[0].txHash", startsWith("0x"));
    }

    @Test
    @Order(6)
    void theDelayGoesBackToTheFloorThroughTheTimelock() {
        long id = pass(Map.of("governance.timelock", "PT1S"));
        assertThat(awaitState(id, "queued", "executed")).isEqualTo("queued");
        assertThat(devnet.timelock().minDelay()).as("the shorter delay itself waits the longer one").isEqualTo(HOUR);
        devnet.increaseTime(HOUR);
        assertThat(awaitState(id, "executed", "cancelled")).isEqualTo("executed");
        assertThat(devnet.timelock().minDelay()).isEqualTo(Devnet.TIMELOCK_DELAY);
    }
}
