package cloud.agora.billing.api;

import static cloud.agora.billing.Fixtures.lease;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import cloud.agora.billing.BillingDevnetResource;
import cloud.agora.billing.Fixtures;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.usage.ReceiptPrefixTree;
import cloud.agora.protocol.usage.ReceiptTreeAnswer;
import cloud.agora.protocol.usage.ReceiptTreeDescent;
import cloud.agora.protocol.usage.ReceiptTreeQuery;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.EventKeys;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.Wallet;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;

/**
 * Anti-entropy at billing ({@code POST /api/v1/usage/tree-nodes}): the agent descends billing's prefix tree of the
 * receipts it holds for a lease and day and finds exactly those billing lacks — rated, waiting for a witness and
 * quarantined-after-attestation receipts count as held, a forged copy does not — and another provider learns and
 * changes nothing. Real billing, PostgreSQL, Kafka and Anvil.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(BillingDevnetResource.class)
@QuarkusTestResource(value = EventKeys.class, initArgs = @ResourceArg(name = "service", value = "billing"))
class ReceiptTreeTest {

    static KafkaProducer<String, String> producer;

    @Inject
    AgroalDataSource dataSource;

    @BeforeAll
    static void kafka() {
        producer = Fixtures.producer();
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    LeaseView knownLease(Wallet provider) throws Exception {
        LeaseView lease = lease(Wallet.random().address(), provider.address());
        Fixtures.publishLease(producer, lease);
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", lease.id()) == 1);
        return lease;
    }

    /** Where this test's receipts start: in the lease, and all of them on one UTC day. */
    static Instant base(LeaseView lease) {
        Instant base = lease.createdAt().plusSeconds(120);
        LocalDate day = base.atZone(ZoneOffset.UTC).toLocalDate();
        if (!base.plusSeconds(300).atZone(ZoneOffset.UTC).toLocalDate().equals(day)) {
            base = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(1);
        }
        return base;
    }

    /** The agent's copy (provider-signed, not witnessed) of call {@code i}. */
    static UsageReceipt agentCopy(LeaseView lease, Wallet provider, int i, long cpuNanos) {
        Instant start = base(lease).plusMillis(1_000L * i);
        UUID id = UUID.randomUUID();
        long wall = 500;
        return UsageReceipt.unsigned(id, lease.id(), lease.provider(), lease.owner(), cpuNanos, 64L * 1024 * 1024, wall, 100,
                200, start, start.plusMillis(wall), Fixtures.grant(id, lease, start)).signedByProvider(provider.key());
    }

    static LocalDate day(UsageReceipt r) {
        return r.endedAt().atZone(ZoneOffset.UTC).toLocalDate();
    }

    static void post(String token, List<UsageReceipt> receipts) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts", receipts)))
                .post("/api/v1/usage/batches").then().statusCode(200);
    }

    static ReceiptTreeAnswer ask(String token, ReceiptTreeQuery query) {
        String body = given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(query))
                .post("/api/v1/usage/tree-nodes").then().statusCode(200).extract().asString();
        return JsonCodec.read(body, ReceiptTreeAnswer.class);
    }

    static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(Numeric::toHexString).sorted().toList();
    }

    static List<String> hashesOf(UsageReceipt... receipts) {
        return java.util.Arrays.stream(receipts).map(UsageReceipt::hashHex).sorted().toList();
    }

    @Test
    void theAgentFindsExactlyTheReceiptsBillingDoesNotHoldAndThenOnlyTheRootIsExchanged() throws Exception {
        Wallet provider = Wallet.random();
        LeaseView lease = knownLease(provider);
        String token = provider.signIn();
        Db db = new Db(dataSource);
        List<UsageReceipt> journal = new ArrayList<>();
        // 40 rated (their witnessed copies), 2 waiting for the witness, 1 quarantined out of bounds after its
        // signature was checked, 2 never sent, one of which billing saw only as a forged copy
        List<UsageReceipt> rated = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rated.add(agentCopy(lease, provider, i, 1_000_000L + i));
        }
        post(token, rated.stream().map(Fixtures::witnessed).toList());
        journal.addAll(rated);
        UsageReceipt waiting1 = agentCopy(lease, provider, 41, 5_000_000);
        UsageReceipt waiting2 = agentCopy(lease, provider, 42, 5_000_001);
        post(token, List.of(waiting1, waiting2));
        UsageReceipt outOfBounds = agentCopy(lease, provider, 43, 1_000_000_000_000L);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts", List.of(outOfBounds))))
                .post("/api/v1/usage/batches").then().statusCode(200).body("quarantined", hasSize(1))
                .body("quarantined[0].reason", equalTo("out-of-bounds"));
        UsageReceipt unsent = agentCopy(lease, provider, 44, 6_000_000);
        UsageReceipt forgedTwin = agentCopy(lease, provider, 45, 6_000_001);
        UsageReceipt forged = new UsageReceipt(forgedTwin.invocationId(), forgedTwin.leaseId(), forgedTwin.provider(),
                forgedTwin.consumer(), forgedTwin.cpuNanos(), forgedTwin.peakMemoryBytes(), forgedTwin.memoryMibMillis(),
                forgedTwin.wallMillis(), forgedTwin.bytesIn(), forgedTwin.bytesOut(), forgedTwin.startedAt(), forgedTwin.endedAt(),
                forgedTwin.grant(), unsent.providerSignature(), null); // someone else's signature: same hash, not attested
        Fixtures.publish(producer, Fixtures.envelope(forged));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM quarantine WHERE invocation_id = ? AND reason = 'bad-provider-signature'", forged.invocationId()) == 1);
        journal.addAll(List.of(waiting1, waiting2, outOfBounds, unsent, forgedTwin));
        // a receipt billing rated that this journal does not hold
        UsageReceipt elsewhere = agentCopy(lease, provider, 46, 7_000_000);
        post(token, List.of(Fixtures.witnessed(elsewhere)));

        LocalDate day = day(journal.get(0));
        assertThat(journal).allSatisfy(r -> assertThat(day(r)).isEqualTo(day));
        ReceiptPrefixTree local = ReceiptPrefixTree.of(journal.stream().map(UsageReceipt::hash).toList());
        List<Object> before = db.state();
        ReceiptTreeDescent.Differences d = ReceiptTreeDescent.compare(local, lease.id(), day, q -> ask(token, q));

        assertThat(hex(d.missingThere())).isEqualTo(hashesOf(unsent, forgedTwin));
        assertThat(hex(d.onlyThere())).isEqualTo(hashesOf(elsewhere));
        assertThat(d.queries()).isGreaterThan(1);
        assertThat(db.state()).as("asking changes nothing").isEqualTo(before);

        // re-delivered as the agent does: then both sides hold the same set and only the root is exchanged
        post(token, List.of(unsent, forgedTwin));
        journal.add(elsewhere);
        ReceiptTreeDescent.Differences after = ReceiptTreeDescent.compare(
                ReceiptPrefixTree.of(journal.stream().map(UsageReceipt::hash).toList()), lease.id(), day, q -> ask(token, q));
        assertThat(after.none()).isTrue();
        assertThat(after.queries()).isEqualTo(1);
        assertThat(after.digests()).isEqualTo(1);
        // another day of the lease: nothing held
        assertThat(ask(token, ReceiptTreeQuery.root(lease.id(), day.minusDays(1))).nodes().get(0).count()).isZero();
    }

    @Test
    void anotherProviderNeitherLearnsNorChangesAnythingAndBadQueriesAreProblems() throws Exception {
        Wallet provider = Wallet.random();
        LeaseView lease = knownLease(provider);
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            receipts.add(Fixtures.witnessed(agentCopy(lease, provider, i, 2_000_000L + i)));
        }
        post(provider.signIn(), receipts);
        LocalDate day = day(receipts.get(0));
        Db db = new Db(dataSource);
        List<Object> before = db.state();

        Wallet other = Wallet.random();
        String token = other.signIn();
        // the other provider's own lease does not open the victim's
        knownLease(other);
        String rootQuery = JsonCodec.write(ReceiptTreeQuery.root(lease.id(), day));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(rootQuery).post("/api/v1/usage/tree-nodes").then()
                .statusCode(403).contentType("application/problem+json").body("type", equalTo("urn:agora:problem:access-denied"))
                .body("detail", containsString(lease.id().toString())).body("$", org.hamcrest.Matchers.not(
                        org.hamcrest.Matchers.hasKey("nodes")));
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(JsonCodec.write(ReceiptTreeQuery.root(UUID.randomUUID(), day))).post("/api/v1/usage/tree-nodes").then()
                .statusCode(403).body("type", equalTo("urn:agora:problem:access-denied"));
        // nor can it make billing hold the victim's receipts: its batch naming them is refused whole
        given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts",
                List.of(agentCopy(lease, provider, 9, 3_000_000))))).post("/api/v1/usage/batches").then().statusCode(403);
        given().contentType(ContentType.JSON).body(rootQuery).post("/api/v1/usage/tree-nodes").then().statusCode(401);

        String mine = provider.signIn();
        given().auth().oauth2(mine).contentType(ContentType.JSON)
                .body("{\"leaseId\": \"" + lease.id() + "\", \"day\": \"" + day + "\", \"prefixes\": [\"012\"]}")
                .post("/api/v1/usage/tree-nodes").then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:invalid-body")).body("detail", containsString("0 and 1"));
        given().auth().oauth2(mine).contentType(ContentType.JSON)
                .body("{\"leaseId\": \"" + lease.id() + "\", \"day\": \"" + day + "\", \"prefixes\": []}")
                .post("/api/v1/usage/tree-nodes").then().statusCode(400).body("type", equalTo("urn:agora:problem:invalid-body"));
        given().auth().oauth2(mine).contentType(ContentType.JSON)
                .body("{\"leaseId\": \"" + lease.id() + "\", \"day\": \"yesterday\", \"prefixes\": [\"\"]}")
                .post("/api/v1/usage/tree-nodes").then().statusCode(400).body("type", equalTo("urn:agora:problem:invalid-body"));
        given().auth().oauth2(mine).contentType(ContentType.JSON).body("")
                .post("/api/v1/usage/tree-nodes").then().statusCode(400).contentType("application/problem+json");
        assertThat(db.state()).as("nothing changed").isEqualTo(before);

        // the provider itself sees its three receipts
        ReceiptTreeAnswer answer = ask(mine, ReceiptTreeQuery.root(lease.id(), day));
        assertThat(answer.nodes()).hasSize(1);
        assertThat(answer.nodes().get(0).count()).isEqualTo(3);
        assertThat(answer.nodes().get(0).leaves()).containsExactlyElementsOf(hashesOf(receipts.toArray(UsageReceipt[]::new)));
    }
}
