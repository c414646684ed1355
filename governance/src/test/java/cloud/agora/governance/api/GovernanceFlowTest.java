package cloud.agora.governance.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.governance.domain.ProposalExecutor;
import java.sql.Connection;
import java.sql.Statement;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.TopicReader;
import com.fasterxml.jackson.core.type.TypeReference;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.File;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Whole lifecycles against a real Anvil devnet, PostgreSQL and Kafka. Test configuration: voting delay 1 block,
 * period 10 blocks, timelock 1 s, quorum 4 % (one dev holder's million AGORA of the ten million reaches it),
 * late-quorum extension 4 blocks.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GovernanceDevnetResource.class)
class GovernanceFlowTest {

    static final BigInteger MILLION = Devnet.HOLDER_ALLOCATION;

    @InjectDevnet
    Devnet devnet;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ProposalExecutor executor;

    Eip712Domain domain() {
        return devnet.token().governanceDomain();
    }

    /** Mines until the head block is past the snapshot of {@code id}, so that votes are taken. */
    void openVoting(long id) {
        JsonPath p = Holder.proposal(id).statusCode(200).extract().jsonPath();
        long missing = p.getLong("snapshotBlock") + 1 - devnet.chain().blockNumber();
        if (missing > 0) {
            devnet.mine((int) missing);
        }
        Holder.proposal(id).body("state", equalTo("active"));
    }

    /** Mines past the end block of {@code id}. */
    void endVoting(long id) {
        long end = Holder.proposal(id).extract().jsonPath().getLong("endBlock");
        devnet.mine((int) (end + 1 - devnet.chain().blockNumber()));
    }

    String awaitState(long id, String... states) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> List.of(states).contains(Holder.proposal(id).extract().jsonPath().getString("state")));
        return Holder.proposal(id).extract().jsonPath().getString("state");
    }

    @Test
    void passedProposalChangesTheEscrowFeeOnChainAndPublishesTheServiceParameter() throws Exception {
        Holder proposer = new Holder(devnet.account(5));
        Holder second = new Holder(devnet.account(6));
        Holder abstainer = new Holder(devnet.account(7));
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("escrow.fee-bps", "250");
        changes.put("marketplace.heartbeat-timeout", "PT45S");
        long id = proposer.proposeChanges(changes);
        Holder.proposal(id).body("state", equalTo("pending"))
                .body("voteDomain.name", equalTo("Agora Governance"))
                .body("voteDomain.verifyingContract", equalTo(devnet.token().address().checksummed()));

        openVoting(id);
        Holder.proposal(id).body("runningTally.voters", equalTo(0)).body("tally", nullValue());
        proposer.vote(domain(), id, VoteSupport.FOR, "cheaper is not always better").statusCode(200)
                .body("vote.weight", equalTo(MILLION.toString())).body("replacedEarlierVote", equalTo(false));
        second.vote(domain(), id, VoteSupport.AGAINST, "").statusCode(200);
        // while voting is open the proposal shows the votes so far; the tally is counted only when it ends
        Holder.proposal(id).body("state", equalTo("active")).body("tally", nullValue())
                .body("runningTally.forVotes", equalTo(MILLION.toString()))
                .body("runningTally.againstVotes", equalTo(MILLION.toString())).body("runningTally.voters", equalTo(2));
        // a later vote replaces the earlier one
        second.vote(domain(), id, VoteSupport.FOR, "changed my mind").statusCode(200).body("replacedEarlierVote", equalTo(true));
        abstainer.vote(domain(), id, VoteSupport.ABSTAIN, "").statusCode(200);

        RestAssured.get("/api/v1/proposals/" + id + "/votes").then().statusCode(200)
                .body("size()", equalTo(3))
                .body("find { it.voter == '" + second.address() + "' }.support", equalTo(1))
                .body("find { it.voter == '" + second.address() + "' }.reason", equalTo("changed my mind"));

        endVoting(id);
        assertThat(awaitState(id, "executed", "defeated")).isEqualTo("executed");

        Holder.proposal(id).body("runningTally", nullValue())
                .body("tally.forVotes", equalTo(MILLION.multiply(BigInteger.TWO).toString()))
                .body("tally.againstVotes", equalTo("0"))
                .body("tally.abstainVotes", equalTo(MILLION.toString()))
                .body("tally.voters", equalTo(3))
                .body("quorum", equalTo(MILLION.multiply(BigInteger.TEN).multiply(BigInteger.valueOf(4)).divide(BigInteger.valueOf(100)).toString()))
                .body("changes[0].txHash", org.hamcrest.Matchers.startsWith("0x"))
                .body("changes[1].txHash", org.hamcrest.Matchers.nullValue())
                .body("timelockOperation", org.hamcrest.Matchers.startsWith("0x"))
                .body("scheduleTxHash", org.hamcrest.Matchers.startsWith("0x"));
        assertThat(devnet.escrow().feeBps()).isEqualTo(250);

        RestAssured.get("/api/v1/parameters").then().statusCode(200)
                .body("find { it.name == 'escrow.fee-bps' }.value", equalTo("250"))
                .body("find { it.name == 'escrow.fee-bps' }.history.size()", equalTo(2))
                .body("find { it.name == 'marketplace.heartbeat-timeout' }.value", equalTo("PT45S"))
                .body("find { it.name == 'marketplace.heartbeat-timeout' }.history[1].proposalId", equalTo((int) id));

        List<ConsumerRecord<String, String>> records = TopicReader.readUntil(Topics.GOVERNANCE_DECISIONS,
                rs -> changed(rs, id).size() >= 2, Duration.ofSeconds(15));
        List<EventEnvelope<ParameterChanged>> decisions = changed(records, id);
        assertThat(decisions).extracting(e -> e.data().name()).containsExactlyInAnyOrder("escrow.fee-bps", "marketplace.heartbeat-timeout");
        ParameterChanged heartbeat = decisions.stream().filter(e -> e.data().name().equals("marketplace.heartbeat-timeout"))
                .findFirst().orElseThrow().data();
        assertThat(heartbeat.durationValue()).isEqualTo(Duration.ofSeconds(45));
        assertThat(heartbeat.unit()).isEqualTo(ParameterChanged.UNIT_DURATION);

        // a crash after the execution transaction but before its record: the operation is done on chain, so the replay
        // sends no second transaction
        long head = devnet.chain().blockNumber();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE proposal SET state = 'QUEUED', executed_at = NULL WHERE id = " + id);
            s.executeUpdate("UPDATE proposal_change SET executed_at = NULL WHERE proposal_id = " + id + " AND position = 0");
        }
        executor.advance(id);
        assertThat(awaitState(id, "executed")).isEqualTo("executed");
        assertThat(devnet.chain().blockNumber()).as("no transaction sent").isEqualTo(head);
        assertThat(devnet.escrow().feeBps()).isEqualTo(250);
        List<EventEnvelope<ParameterChanged>> replayed = changed(TopicReader.readUntil(Topics.GOVERNANCE_DECISIONS,
                rs -> changed(rs, id).size() >= 3, Duration.ofSeconds(10)), id);
        assertThat(replayed).hasSize(3);
        assertThat(replayed.stream().map(EventEnvelope::id).distinct().toList()).as("a replay republishes the same event id")
                .containsExactlyInAnyOrderElementsOf(decisions.stream().map(EventEnvelope::id).toList());

        // anyone can recount from the stored signatures and the chain
        RestAssured.get("/api/v1/proposals/" + id + "/recount").then().statusCode(200)
                .body("tally.forVotes", equalTo(MILLION.multiply(BigInteger.TWO).toString()))
                .body("discrepancies.size()", equalTo(0));
    }

    static List<EventEnvelope<ParameterChanged>> changed(List<ConsumerRecord<String, String>> records, long id) {
        return records.stream()
                .map(r -> JsonCodec.read(r.value(), new TypeReference<EventEnvelope<ParameterChanged>>() { }))
                .filter(e -> e.data().proposalId() == id).toList();
    }

    @Test
    void forgedOrPowerlessVotesAreRefusedAndNotCounted() throws Exception {
        Holder proposer = new Holder(devnet.account(8));
        long id = proposer.proposeChanges(Map.of("billing.credit-floor", "1000"));
        openVoting(id);
        Holder voter = new Holder(devnet.account(9));
        String address = voter.address();
        Eip712Domain right = domain();

        Eip712Domain wrongName = new Eip712Domain("Agora Escrow", "1", right.chainId(), right.verifyingContract());
        Eip712Domain wrongChain = new Eip712Domain(right.name(), "1", 1, right.verifyingContract());
        Eip712Domain wrongContract = Eip712Domain.governance(right.chainId(), devnet.escrow().address());
        for (Eip712Domain wrong : List.of(wrongName, wrongChain, wrongContract)) {
            refused(id, Holder.ballot(id, 1, "", voter.sign(wrong, id, VoteSupport.FOR, ""), address), 400, "invalid-vote", "recovers");
            // without the claimed voter, the signature recovers an unrelated address that has no power
            refused(id, Holder.ballot(id, 1, "", voter.sign(wrong, id, VoteSupport.FOR, ""), null), 403, "no-voting-power", "no votes");
        }
        String signedFor = voter.sign(right, id, VoteSupport.FOR, "yes");
        refused(id, Holder.ballot(id, 1, "yes!", signedFor, address), 400, "invalid-vote", "recovers");      // tampered reason
        refused(id, Holder.ballot(id, 0, "yes", signedFor, address), 400, "invalid-vote", "recovers");       // tampered support
        refused(id, Holder.ballot(id, 1, "yes", voter.sign(right, id + 1, VoteSupport.FOR, "yes"), address), 400, "invalid-vote", "recovers");
        refused(id, Holder.ballot(id, 3, "yes", signedFor, address), 400, "invalid-vote", "support");
        refused(id, Holder.ballot(id, 1, "yes", "0x1234", address), 400, "invalid-vote", "signature");
        refused(id, Holder.ballot(id, 1, "yes", 2, signedFor, address), 400, "invalid-vote", "recovers");   // tampered nonce
        refused(id, Holder.ballot(id, 1, "yes", null, signedFor, address), 400, "invalid-vote", "nonce");
        refused(id, Holder.ballot(id, 1, "yes", -1, signedFor, address), 400, "invalid-vote", "nonce");
        refused(id, Holder.ballot(id, 1, "yes", "1", signedFor, address), 400, "invalid-body", "nonce");   // a JSON integer

        Holder powerless = new Holder(devnet.newAccount());
        refused(id, powerless.vote(right, id, VoteSupport.FOR, ""), 403, "no-voting-power", powerless.address());

        // the genuine vote still counts
        voter.ballot(id, 1, "yes", signedFor, address).statusCode(200);
        assertThat(Db.votes(dataSource, id)).isEqualTo(1);
    }

    void refused(long id, io.restassured.response.ValidatableResponse response, int status, String type, String detail) throws Exception {
        response.statusCode(status).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:" + type))
                .body("detail", containsString(detail));
        assertThat(Db.votes(dataSource, id)).as("votes stored").isZero();
    }

    @Test
    void tokensReceivedAfterTheSnapshotWeighNothing() throws Exception {
        Signer lender = devnet.account(4);
        long id = new Holder(devnet.account(3)).proposeChanges(Map.of("functions.max-body-size", "2097152"));
        openVoting(id);

        Signer borrower = devnet.newAccount();
        devnet.token().transfer(lender, borrower.address(), MILLION);
        assertThat(devnet.token().getVotes(borrower.address())).isEqualTo(MILLION);
        new Holder(borrower).vote(domain(), id, VoteSupport.AGAINST, "flash loan").statusCode(403)
                .body("type", equalTo("urn:agora:problem:no-voting-power"));
        devnet.token().transfer(borrower, lender.address(), MILLION);
        // the lender's power is what it held at the snapshot, wherever its tokens went since
        new Holder(lender).vote(domain(), id, VoteSupport.FOR, "").statusCode(200).body("vote.weight", equalTo(MILLION.toString()));

        endVoting(id);
        awaitState(id, "executed", "defeated");
        Holder.proposal(id).body("tally.againstVotes", equalTo("0")).body("tally.forVotes", equalTo(MILLION.toString()))
                .body("tally.voters", equalTo(1));
    }

    @Test
    void quorumReachedInTheLastBlocksExtendsTheVote() {
        long id = new Holder(devnet.account(2)).proposeChanges(Map.of("marketplace.max-bid-lifetime", "PT48H"));
        openVoting(id);
        long end = Holder.proposal(id).extract().jsonPath().getLong("endBlock");
        devnet.mine((int) (end - 1 - devnet.chain().blockNumber()));
        long head = devnet.chain().blockNumber();

        new Holder(devnet.account(2)).vote(domain(), id, VoteSupport.FOR, "").statusCode(200).body("endBlock", equalTo((int) (head + 4)));

        Holder.proposal(id).body("endBlock", equalTo((int) (head + 4))).body("state", equalTo("active"));
        devnet.mine(2);
        Holder.proposal(id).body("state", equalTo("active"));
        endVoting(id);
        assertThat(awaitState(id, "executed", "defeated")).isEqualTo("executed");
    }

    @Test
    void anOlderSignedVoteRepostedNeverReplacesANewerOne() throws Exception {
        long id = new Holder(devnet.account(4)).proposeChanges(Map.of("billing.voucher-period", "PT2H"));
        openVoting(id);
        Holder voter = new Holder(devnet.account(4));
        String voteA = voter.sign(domain(), id, VoteSupport.FOR, "A", BigInteger.ONE);
        Holder.ballot(id, 1, "A", 1, voteA, voter.address()).statusCode(200).body("replacedEarlierVote", equalTo(false));
        voter.vote(domain(), id, VoteSupport.AGAINST, "B", BigInteger.TWO).statusCode(200).body("replacedEarlierVote", equalTo(true));
        List<String> counted = storedVote(id, voter.address());

        // A, validly signed, re-posted after B: refused, B stands
        Holder.ballot(id, 1, "A", 1, voteA, voter.address()).statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:stale-vote"))
                .body("detail", containsString("nonce 2"));
        // the same nonce as the counted vote with other content: refused too
        voter.vote(domain(), id, VoteSupport.FOR, "B'", BigInteger.TWO).statusCode(409)
                .body("type", equalTo("urn:agora:problem:stale-vote"));
        assertThat(storedVote(id, voter.address())).as("support, reason, nonce, signature").isEqualTo(counted);
        RestAssured.get("/api/v1/proposals/" + id + "/votes").then().statusCode(200)
                .body("size()", equalTo(1)).body("[0].support", equalTo(0)).body("[0].nonce", equalTo("2"));

        endVoting(id);
        assertThat(awaitState(id, "executed", "defeated")).isEqualTo("defeated");
        Holder.proposal(id).body("tally.againstVotes", equalTo(MILLION.toString())).body("tally.forVotes", equalTo("0"));
        RestAssured.get("/api/v1/proposals/" + id + "/recount").then().statusCode(200)
                .body("tally.againstVotes", equalTo(MILLION.toString())).body("discrepancies.size()", equalTo(0));
    }

    /** The stored vote of {@code voter}: support, reason, nonce, signature. */
    List<String> storedVote(long id, String voter) throws Exception {
        try (Connection c = dataSource.getConnection();
             java.sql.PreparedStatement s = c.prepareStatement(
                     "SELECT support, reason, nonce, signature FROM vote WHERE proposal_id = ? AND voter = ?")) {
            s.setLong(1, id);
            s.setString(2, voter);
            try (java.sql.ResultSet rows = s.executeQuery()) {
                assertThat(rows.next()).isTrue();
                return List.of(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4));
            }
        }
    }

    @Test
    void votesSignedByEthersSignTypedDataAreAccepted() throws Exception {
        Optional<Path> node = Optional.ofNullable(System.getenv("PATH")).stream()
                .flatMap(path -> List.of(path.split(File.pathSeparator)).stream())
                .map(dir -> Path.of(dir, "node")).filter(Files::isExecutable).findFirst();
        Assumptions.assumeTrue(node.isPresent() && Files.isDirectory(Path.of("../tools/node_modules/ethers")),
                "Node.js or tools/node_modules is missing: skipped (scripts/setup.d installs them)");
        long id = new Holder(devnet.account(6)).proposeChanges(Map.of("functions.max-timeout", "PT10M"));
        openVoting(id);
        Signer signer = devnet.account(1);
        String reason = "ethers ✓ — über";
        Map<String, Object> input = Map.of("key", signer.privateKeyHex(),
                "domain", Map.of("name", "Agora Governance", "version", "1", "chainId", devnet.chainId(),
                        "verifyingContract", devnet.token().address().checksummed()),
                "vote", Map.of("proposalId", Long.toString(id), "support", 1, "reason", reason, "nonce", "1733356800000"));
        Process process = new ProcessBuilder(node.get().toString(), "src/test/node/sign-vote.js", JsonCodec.write(input))
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String signature = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.exitValue()).as(signature).isZero();

        Holder.ballot(id, 1, reason, 1_733_356_800_000L, signature, null).statusCode(200)
                .body("vote.voter", equalTo(signer.address().checksummed()))
                .body("vote.nonce", equalTo("1733356800000"))
                .body("vote.weight", equalTo(MILLION.toString()));
    }
}
