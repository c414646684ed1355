package cloud.agora.billing.api;

import static cloud.agora.billing.Fixtures.lease;
import static cloud.agora.billing.Fixtures.receipt;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import cloud.agora.billing.BillingDevnetResource;
import cloud.agora.billing.Fixtures;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.testsupport.EventKeys;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.TopicReader;
import cloud.agora.testsupport.Wallet;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Receipts from Kafka and HTTP are rated once each; forged, foreign and replayed ones are quarantined and charge nothing. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(BillingDevnetResource.class)
@QuarkusTestResource(value = EventKeys.class, initArgs = @ResourceArg(name = "service", value = "billing"))
class IngestionTest {

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

    Db db() {
        return new Db(dataSource);
    }

    static BigInteger expected(LeaseView lease, List<UsageReceipt> receipts) {
        return receipts.stream().map(Fixtures.terms(lease)::charge).reduce(BigInteger.ZERO, BigInteger::add);
    }

    /**
     * A LeaseCreated naming a victim as owner and a LeaseClosed of an honest lease, written to the marketplace's topic
     * by anyone but the marketplace — unsigned, signed by a stranger, signed by another service's event key — record
     * no lease and close none: each is quarantined with its reason, and billing goes on (a lease the marketplace
     * signed after them is recorded). No lease a victim would pay for exists, so no receipt can be charged under it.
     */
    @Test
    void leaseEventsTheMarketplaceDidNotSignCreateAndCloseNothing() throws Exception {
        Wallet provider = Wallet.random();
        Wallet victim = Wallet.random();
        LeaseView honest = lease(victim.address(), provider.address());
        Fixtures.publishLease(producer, honest);
        Db db = db();
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", honest.id()) == 1);

        LeaseView forged = lease(victim.address(), provider.address());
        String created = JsonCodec.write(EventEnvelope.of(MarketEvents.LEASE_CREATED, MarketEvents.SOURCE, forged.createdAt(),
                forged.id().toString(), forged));
        String closed = JsonCodec.write(EventEnvelope.of(MarketEvents.LEASE_CLOSED, MarketEvents.SOURCE, Instant.now(),
                honest.id().toString(), Fixtures.closed(honest, Instant.now())));
        for (String[] event : List.of(new String[] {forged.id().toString(), created}, new String[] {honest.id().toString(), closed})) {
            producer.send(new ProducerRecord<>(Topics.MARKETPLACE_LEASES, event[0], event[1])).get();
            producer.send(EventKeys.signedBy(Wallet.random().key(), Topics.MARKETPLACE_LEASES, event[0], event[1])).get();
            producer.send(EventKeys.signedBy(EventKeys.of("functions"), Topics.MARKETPLACE_LEASES, event[0], event[1])).get();
        }
        List<ConsumerRecord<String, String>> quarantined = TopicReader.readUntil(Topics.QUARANTINE,
                records -> records.stream().filter(r -> r.value().equals(created) || r.value().equals(closed)).count() >= 6,
                Duration.ofSeconds(30));
        for (String event : List.of(created, closed)) {
            assertThat(quarantined.stream().filter(r -> r.value().equals(event))
                    .map(r -> new String(r.headers().lastHeader(SignedEvents.REASON).value(), StandardCharsets.UTF_8)))
                    .containsExactlyInAnyOrder("unsigned", "not-signed-by-producer", "not-signed-by-producer");
        }

        LeaseView after = lease(victim.address(), provider.address());
        Fixtures.publishLease(producer, after);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", after.id()) == 1);
        assertThat(db.count("SELECT count(*) FROM leases WHERE lease_id = ?", forged.id())).isZero();
        assertThat(db.count("SELECT count(*) FROM leases WHERE lease_id = ? AND closed_at IS NULL", honest.id())).isEqualTo(1);
    }

    @Test
    void ratesEachReceiptOnceWhateverTheDuplicatesAndAddsItToTheRunningTotals() throws Exception {
        Wallet provider = Wallet.random();
        Wallet developer = Wallet.random();
        LeaseView lease = lease(developer.address(), provider.address());
        Fixtures.publishLease(producer, lease);
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            receipts.add(receipt(lease, provider.key(), 1_000_000L * (i + 1)));
        }
        Fixtures.publishReceipts(producer, receipts);
        Fixtures.publishReceipts(producer, receipts.subList(0, 100)); // redelivered
        BigInteger expected = expected(lease, receipts);
        Db db = db();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", lease.id())).isEqualTo(300));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                db.count("SELECT COALESCE(sum(times_seen), 0) FROM quarantine WHERE lease_id = ? AND reason = 'replayed'", lease.id()))
                .isEqualTo(100));
        assertThat(db.number("SELECT charged FROM usage_totals WHERE lease_id = ?", lease.id())).isEqualTo(expected);
        assertThat(db.count("SELECT receipts FROM usage_totals WHERE lease_id = ?", lease.id())).isEqualTo(300);
        assertThat(db.number("SELECT rated FROM pairs WHERE consumer_address = ?", developer.address().value())).isEqualTo(expected);

        String token = developer.signIn();
        given().auth().oauth2(token).get("/api/v1/statements").then().statusCode(200)
                .body("receipts", equalTo(300)).body("total", equalTo(expected.toString()))
                .body("lines", hasSize(1)).body("lines[0].leaseId", equalTo(lease.id().toString()));
        given().auth().oauth2(token).get("/api/v1/accounts/" + developer.address()).then().statusCode(200)
                .body("rated", equalTo(expected.toString())).body("unpaid", equalTo(expected.toString()))
                .body("redeemed", equalTo("0")).body("balance", equalTo("0"));
    }

    @Test
    void forgedMalformedAndForeignReceiptsAreQuarantinedWithTheirReasonAndChargeNothing() throws Exception {
        Wallet provider = Wallet.random();
        Wallet stranger = Wallet.random();
        Wallet developer = Wallet.random();
        LeaseView lease = lease(developer.address(), provider.address());
        LeaseView strangersLease = lease(developer.address(), stranger.address());
        Fixtures.publishLease(producer, lease);
        Fixtures.publishLease(producer, strangersLease);
        UsageReceipt good = receipt(lease, provider.key(), 5_000_000);
        UsageReceipt unsigned = UsageReceipt.unsigned(UUID.randomUUID(), lease.id(), provider.address(), developer.address(),
                1, 1, 1, 1, 1, good.startedAt(), good.endedAt(), null);
        UsageReceipt signedByStranger = new UsageReceipt(unsigned.invocationId(), lease.id(), provider.address(),
                developer.address(), 1, 1, 1, 1, 1, 1, good.startedAt(), good.endedAt(), null,
                UsageReceipt.unsigned(unsigned.invocationId(), lease.id(), stranger.address(), developer.address(), 1, 1, 1, 1, 1,
                        good.startedAt(), good.endedAt(), null).signedByProvider(stranger.key()).providerSignature(), null);
        UsageReceipt tampered = new UsageReceipt(good.invocationId(), good.leaseId(), good.provider(), good.consumer(),
                good.cpuNanos() * 1000, good.peakMemoryBytes(), good.memoryMibMillis(), good.wallMillis(), good.bytesIn(),
                good.bytesOut(), good.startedAt(), good.endedAt(), good.grant(), good.providerSignature(), good.gatewaySignature());
        UsageReceipt onStrangersLease = receipt(strangersLease, stranger.key(), 10);
        UsageReceipt wrongLeaseProvider = Fixtures.witnessed(UsageReceipt.unsigned(UUID.randomUUID(), strangersLease.id(),
                provider.address(), developer.address(), 1, 1, 1, 1, 1, good.startedAt(), good.endedAt(), null)
                .signedByProvider(provider.key()));
        UsageReceipt badGateway = Fixtures.agentCopy(lease, provider.key(), 7).counterSignedByGateway(stranger.key());
        UsageReceipt conflicting = Fixtures.witnessed(UsageReceipt.unsigned(good.invocationId(), lease.id(), provider.address(),
                developer.address(), 1, 1, 1, 1, 1, good.startedAt(), good.endedAt(),
                Fixtures.grant(good.invocationId(), lease, good.startedAt())).signedByProvider(provider.key()));
        Fixtures.publishReceipts(producer, List.of(good, signedByStranger, tampered, wrongLeaseProvider, badGateway));
        Db db0 = db();
        await().atMost(Duration.ofSeconds(30)).until(() -> db0.count("SELECT count(*) FROM receipts WHERE invocation_id = ?",
                good.invocationId()) == 1);
        Fixtures.publishReceipts(producer, List.of(conflicting));
        producer.send(new ProducerRecord<>(Topics.USAGE_RECEIPTS, "x", "{not json")).get();
        producer.send(new ProducerRecord<>(Topics.USAGE_RECEIPTS, "x", JsonCodec.write(Map.of("id", "1", "type", "UsageRecorded",
                "source", "x", "time", "2026-01-01T00:00:00Z", "subject", "x", "data", Map.of("invocationId", "nope"))))).get();
        Db db = db();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(db.strings(
                "SELECT reason FROM quarantine WHERE provider_address = ? AND resolved_at IS NULL ORDER BY reason",
                provider.address().value())).containsExactly("bad-gateway-signature", "bad-provider-signature",
                "bad-provider-signature", "conflicting-duplicate", "lease-provider-mismatch"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                db.count("SELECT count(*) FROM quarantine WHERE reason = 'malformed' AND source = 'kafka'")).isGreaterThanOrEqualTo(2));
        assertThat(db.strings("SELECT CAST(invocation_id AS text) FROM receipts WHERE lease_id = ?", lease.id()))
                .containsExactly(good.invocationId().toString());
        assertThat(db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", strangersLease.id())).isZero();
        assertThat(db.strings("SELECT detail FROM quarantine WHERE invocation_id = ? AND reason = 'lease-provider-mismatch'",
                wrongLeaseProvider.invocationId())).singleElement().asString().contains("belongs to " + stranger.address());
        assertThat(onStrangersLease).isNotNull();
    }

    @Test
    void theAgentsAndTheGatewaysCopiesOfAReceiptAreRatedOnceInEitherOrderAndTheAgentsCopyWaitsForItsWitness() throws Exception {
        assertThat(Fixtures.GATEWAY.address().value()).isEqualTo("0xa0ee7a142d267c1f36714e4a8f75612f20a79720");
        Wallet provider = Wallet.random();
        Wallet developer = Wallet.random();
        LeaseView lease = lease(developer.address(), provider.address());
        Fixtures.publishLease(producer, lease);
        // agent first, gateway later (separate batches)
        UsageReceipt agentFirst = Fixtures.agentCopy(lease, provider.key(), 11_000_000);
        // gateway first, agent later
        UsageReceipt gatewayFirst = Fixtures.agentCopy(lease, provider.key(), 12_000_000);
        // both in one batch
        UsageReceipt together = Fixtures.agentCopy(lease, provider.key(), 13_000_000);
        // the gateway counter-signs, but the agent sends other figures under the same invocation id
        UsageReceipt counterSigned = Fixtures.agentCopy(lease, provider.key(), 14_000_000);
        UsageReceipt otherContent = UsageReceipt.unsigned(counterSigned.invocationId(), lease.id(), provider.address(),
                developer.address(), 99_000_000, counterSigned.peakMemoryBytes(), counterSigned.wallMillis(), 0, 0,
                counterSigned.startedAt(), counterSigned.endedAt(), counterSigned.grant()).signedByProvider(provider.key());
        Fixtures.publishReceipts(producer, List.of(agentFirst, Fixtures.witnessed(gatewayFirst), together,
                Fixtures.witnessed(together), Fixtures.witnessed(counterSigned)));
        Db db = db();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", lease.id())).isEqualTo(3));
        // the agent's copy alone is not rated: it waits for its witness, keyed by its hash
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(db.strings(
                "SELECT receipt_hash FROM awaiting_witness WHERE lease_id = ?", lease.id())).containsExactly(agentFirst.hashHex()));
        assertThat(db.count("SELECT count(*) FROM receipts WHERE invocation_id = ?", agentFirst.invocationId())).isZero();
        assertThat(db.count("SELECT receipts FROM usage_totals WHERE lease_id = ?", lease.id())).isEqualTo(3);
        Fixtures.publishReceipts(producer, List.of(Fixtures.witnessed(agentFirst), gatewayFirst, otherContent));
        // receipts that overtook their lease (the two topics are not ordered with each other) were parked and
        // rated when it arrived: those rows are resolved; the only open one is the conflicting duplicate
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(db.strings(
                "SELECT reason FROM quarantine WHERE lease_id = ? AND resolved_at IS NULL", lease.id()))
                .containsExactly("conflicting-duplicate"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", lease.id())).isEqualTo(4));
        // the witnessed copy resolved the waiting one; the agent's copy after its rated twin waits for nothing
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                db.count("SELECT count(*) FROM awaiting_witness WHERE lease_id = ?", lease.id())).isZero());
        assertThat(db.strings("SELECT reason FROM quarantine WHERE lease_id = ? AND resolved_at IS NOT NULL", lease.id()))
                .allMatch("unknown-lease"::equals);
        for (UsageReceipt r : List.of(agentFirst, gatewayFirst, together, counterSigned)) {
            assertThat(db.strings("SELECT gateway_signature FROM receipts WHERE invocation_id = ?", r.invocationId()))
                    .containsExactly(Fixtures.witnessed(r).gatewaySignature());
        }
        assertThat(db.strings("SELECT CAST(invocation_id AS text) FROM quarantine WHERE lease_id = ? AND resolved_at IS NULL",
                lease.id())).containsExactly(counterSigned.invocationId().toString());
        List<UsageReceipt> charged = List.of(agentFirst, gatewayFirst, together, counterSigned);
        assertThat(db.count("SELECT receipts FROM usage_totals WHERE lease_id = ?", lease.id())).isEqualTo(4);
        assertThat(db.number("SELECT charged FROM usage_totals WHERE lease_id = ?", lease.id())).isEqualTo(expected(lease, charged));
        assertThat(db.number("SELECT rated FROM pairs WHERE consumer_address = ?", developer.address().value()))
                .isEqualTo(expected(lease, charged));
    }

    @Test
    void aReceiptBeforeItsLeaseIsParkedAndRatedWhenTheLeaseArrives() throws Exception {
        Wallet provider = Wallet.random();
        Wallet developer = Wallet.random();
        LeaseView lease = lease(developer.address(), provider.address());
        UsageReceipt early = receipt(lease, provider.key(), 42_000_000);
        Fixtures.publishReceipts(producer, List.of(early));
        Db db = db();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(db.strings(
                "SELECT reason FROM quarantine WHERE invocation_id = ? AND resolved_at IS NULL", early.invocationId()))
                .containsExactly("unknown-lease"));
        Fixtures.publishLease(producer, lease);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                db.count("SELECT count(*) FROM receipts WHERE invocation_id = ?", early.invocationId())).isEqualTo(1));
        assertThat(db.count("SELECT count(*) FROM quarantine WHERE invocation_id = ? AND resolved_at IS NOT NULL",
                early.invocationId())).isEqualTo(1);
        assertThat(db.number("SELECT charged FROM usage_totals WHERE lease_id = ?", lease.id())).isEqualTo(expected(lease, List.of(early)));
    }

    @Test
    void anAgentPostsItsBatchOverHttpsAndReplaysChargeNothing() throws Exception {
        Wallet provider = Wallet.random();
        Wallet developer = Wallet.random();
        LeaseView lease = lease(developer.address(), provider.address());
        Fixtures.publishLease(producer, lease);
        Db db = db();
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", lease.id()) == 1);
        List<UsageReceipt> agentCopies = List.of(Fixtures.agentCopy(lease, provider.key(), 1),
                Fixtures.agentCopy(lease, provider.key(), 2));
        List<UsageReceipt> receipts = agentCopies.stream().map(Fixtures::witnessed).toList();
        String token = provider.signIn();
        // the agent's own copies wait for the gateway's witness: nothing is rated yet
        given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts", agentCopies)))
                .post("/api/v1/usage/batches").then().statusCode(200).body("rated", equalTo(0)).body("quarantined", hasSize(0))
                .body("awaitingWitness", hasSize(2));
        assertThat(db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", lease.id())).isZero();
        assertThat(db.count("SELECT count(*) FROM awaiting_witness WHERE lease_id = ?", lease.id())).isEqualTo(2);
        String body = JsonCodec.write(Map.of("receipts", receipts));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(body).post("/api/v1/usage/batches").then()
                .statusCode(200).body("rated", equalTo(2)).body("quarantined", hasSize(0)).body("awaitingWitness", hasSize(0));
        assertThat(db.count("SELECT count(*) FROM awaiting_witness WHERE lease_id = ?", lease.id())).isZero();
        given().auth().oauth2(token).contentType(ContentType.JSON).body(body).post("/api/v1/usage/batches").then()
                .statusCode(200).body("rated", equalTo(0)).body("quarantined", hasSize(2))
                .body("quarantined[0].reason", equalTo("replayed"));
        // the agent's copies again, after their witnessed twins were rated: nothing to do
        given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts", agentCopies)))
                .post("/api/v1/usage/batches").then().statusCode(200).body("rated", equalTo(0)).body("quarantined", hasSize(0))
                .body("awaitingWitness", hasSize(0));
        assertThat(db.count("SELECT count(*) FROM awaiting_witness WHERE lease_id = ?", lease.id())).isZero();
        assertThat(db.number("SELECT charged FROM usage_totals WHERE lease_id = ?", lease.id())).isEqualTo(expected(lease, receipts));
    }

    @Test
    void refusedBatchesAreProblemsAndChangeNothing() throws Exception {
        Wallet provider = Wallet.random();
        Wallet other = Wallet.random();
        Wallet developer = Wallet.random();
        LeaseView lease = lease(developer.address(), provider.address());
        UsageReceipt r = receipt(lease, provider.key(), 1);
        String token = other.signIn();
        Db db = db();
        List<Object> before = db.state();
        given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts", List.of(r))))
                .post("/api/v1/usage/batches").then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:access-denied"));
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"receipts\": [{\"invocationId\": 5}]}")
                .post("/api/v1/usage/batches").then().statusCode(400).body("type", equalTo("urn:agora:problem:invalid-body"));
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"receipts\": []}")
                .post("/api/v1/usage/batches").then().statusCode(400).body("type", equalTo("urn:agora:problem:invalid-usage-batch"));
        given().contentType(ContentType.JSON).body("{\"receipts\": []}").post("/api/v1/usage/batches").then().statusCode(401);
        given().auth().oauth2(token).get("/api/v1/accounts/" + developer.address()).then().statusCode(403)
                .body("type", equalTo("urn:agora:problem:access-denied"));
        given().auth().oauth2(token).get("/api/v1/statements?from=yesterday").then().statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-query")).body("detail", containsString("from"));
        given().auth().oauth2(token).get("/api/v1/receipts/" + r.invocationId() + "/proof").then().statusCode(404)
                .body("type", equalTo("urn:agora:problem:receipt-not-found"));
        given().auth().oauth2(token).get("/api/v1/vouchers?provider=" + provider.address()).then().statusCode(403);
        given().auth().oauth2(token).get("/api/v1/vouchers?provider=0x123").then().statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-address"));
        assertThat(db.state()).isEqualTo(before);
    }
}
