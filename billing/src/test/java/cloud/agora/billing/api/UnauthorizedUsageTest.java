package cloud.agora.billing.api;

import static cloud.agora.billing.Fixtures.lease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cloud.agora.billing.BillingDevnetResource;
import cloud.agora.billing.Fixtures;
import cloud.agora.billing.domain.BillingRules;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.usage.ReceiptBounds;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.EventKeys;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.Wallet;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Usage nobody can mint: against the real billing service, PostgreSQL, Kafka and Anvil, every receipt that is not
 * authorized by a gateway grant, witnessed by a trusted gateway and within its grant's and lease's bounds is
 * quarantined with its reason, and no money moves (no receipt rated, no totals, no pair, no voucher).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(BillingDevnetResource.class)
class UnauthorizedUsageTest {

    static KafkaProducer<String, String> producer;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    BillingRules rules;

    @BeforeAll
    static void kafka() {
        producer = Fixtures.producer();
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    /** A provider, a developer and their active lease, known to billing. */
    record Parties(Wallet provider, Wallet developer, LeaseView lease) {
    }

    Parties parties() throws Exception {
        Wallet provider = Wallet.random();
        Wallet developer = Wallet.random();
        LeaseView lease = lease(developer.address(), provider.address());
        Fixtures.publishLease(producer, lease);
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", lease.id()) == 1);
        return new Parties(provider, developer, lease);
    }

    /** A receipt with these figures under a grant for it, provider-signed and witnessed by the trusted gateway. */
    static UsageReceipt witnessed(Parties p, long cpuNanos, long peakBytes, long wallMillis, Instant start, InvocationGrant grant) {
        return Fixtures.witnessed(UsageReceipt.unsigned(grant == null ? UUID.randomUUID() : grant.invocationId(), p.lease().id(),
                p.provider().address(), p.developer().address(), cpuNanos, peakBytes, wallMillis, 10, 20, start,
                start.plusMillis(wallMillis), grant).signedByProvider(p.provider().key()));
    }

    static UsageReceipt witnessed(Parties p, long cpuNanos, long peakBytes, long wallMillis) {
        Instant start = Instant.now().minusSeconds(60);
        return witnessed(p, cpuNanos, peakBytes, wallMillis, start, Fixtures.grant(UUID.randomUUID(), p.lease(), start));
    }

    /** Publishes {@code receipt} and waits until it is quarantined; returns the reason and asserts it charged nothing. */
    String quarantinedAndNothingCharged(Parties p, UsageReceipt receipt) throws Exception {
        Db db = new Db(dataSource);
        long ratedBefore = db.count("SELECT count(*) FROM receipts");
        Fixtures.publishReceipts(producer, List.of(receipt));
        await().atMost(Duration.ofSeconds(30)).until(() -> !db.strings(
                "SELECT reason FROM quarantine WHERE invocation_id = ? AND resolved_at IS NULL", receipt.invocationId()).isEmpty());
        List<String> reasons = db.strings("SELECT reason FROM quarantine WHERE invocation_id = ? AND resolved_at IS NULL",
                receipt.invocationId());
        assertThat(reasons).hasSize(1);
        assertNothingCharged(db, p);
        assertThat(db.count("SELECT count(*) FROM receipts")).as("nothing rated").isEqualTo(ratedBefore);
        assertThat(db.count("SELECT count(*) FROM awaiting_witness WHERE invocation_id = ?", receipt.invocationId())).isZero();
        return reasons.get(0);
    }

    static void assertNothingCharged(Db db, Parties p) {
        assertThat(db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", p.lease().id())).as("rated").isZero();
        assertThat(db.count("SELECT count(*) FROM usage_totals WHERE lease_id = ?", p.lease().id())).as("totals").isZero();
        assertThat(db.count("SELECT count(*) FROM pairs WHERE consumer_address = ?", p.developer().address().value()))
                .as("pairs").isZero();
        assertThat(db.count("SELECT count(*) FROM vouchers WHERE consumer_address = ?", p.developer().address().value()))
                .as("vouchers").isZero();
    }

    @Test
    void aWitnessedReceiptWithoutAGrantChargesNothing() throws Exception {
        Parties p = parties();
        assertThat(quarantinedAndNothingCharged(p, witnessed(p, 1_000_000, 64L << 20, 500, Instant.now().minusSeconds(60), null)))
                .isEqualTo("no-grant");
    }

    @Test
    void aReceiptUnderAnotherInvocationsGrantChargesNothing() throws Exception {
        Parties p = parties();
        Instant start = Instant.now().minusSeconds(60);
        InvocationGrant others = Fixtures.grant(UUID.randomUUID(), p.lease(), start);
        UsageReceipt receipt = Fixtures.witnessed(UsageReceipt.unsigned(UUID.randomUUID(), p.lease().id(), p.provider().address(),
                p.developer().address(), 1_000_000, 64L << 20, 500, 10, 20, start, start.plusMillis(500), others)
                .signedByProvider(p.provider().key()));
        assertThat(quarantinedAndNothingCharged(p, receipt)).isEqualTo("grant-mismatch");
    }

    @Test
    void inflatedCpuChargesNothing() throws Exception {
        Parties p = parties();
        long max = ReceiptBounds.maxCpuNanos(500, Fixtures.RESOURCES.cpuMillis());
        assertThat(quarantinedAndNothingCharged(p, witnessed(p, max + 1, 64L << 20, 500))).isEqualTo("out-of-bounds");
        assertThat(new Db(dataSource).strings("SELECT detail FROM quarantine WHERE lease_id = ?", p.lease().id()))
                .singleElement().asString().contains("CPU");
    }

    @Test
    void inflatedMemoryChargesNothing() throws Exception {
        Parties p = parties();
        long overLimit = Fixtures.RESOURCES.memoryMiB() * 1024 * 1024 + 1;
        assertThat(quarantinedAndNothingCharged(p, witnessed(p, 1_000_000, overLimit, 500))).isEqualTo("out-of-bounds");
        assertThat(new Db(dataSource).strings("SELECT detail FROM quarantine WHERE lease_id = ?", p.lease().id()))
                .singleElement().asString().contains("peak memory");
    }

    @Test
    void inflatedWallTimeChargesNothing() throws Exception {
        Parties p = parties();
        long wall = Fixtures.TIMEOUT_MILLIS + ReceiptBounds.WALL_SLACK.toMillis() + 1;
        assertThat(quarantinedAndNothingCharged(p, witnessed(p, 1_000_000, 64L << 20, wall))).isEqualTo("out-of-bounds");
        assertThat(new Db(dataSource).strings("SELECT detail FROM quarantine WHERE lease_id = ?", p.lease().id()))
                .singleElement().asString().contains("wall time");
    }

    @Test
    void aReceiptBackdatedIntoAClosedLeaseChargesNothing() throws Exception {
        Parties p = parties();
        Instant closedAt = Instant.now().minusSeconds(120);
        Fixtures.publishLease(producer, Fixtures.closed(p.lease(), closedAt));
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM leases WHERE lease_id = ? AND closed_at IS NOT NULL", p.lease().id()) == 1);
        // granted 5 s after the closing; the start claimed 5 s before it lies within the grant's window ± skew,
        // so only the grant's own date shows the call came after the lease
        Instant granted = closedAt.plusSeconds(5);
        InvocationGrant grant = InvocationGrant.unsigned(UUID.randomUUID(), p.lease().id(), p.provider().address(),
                p.developer().address(), "bafybeigdyrztestbundle", Fixtures.TIMEOUT_MILLIS, granted, Duration.ofSeconds(30))
                .signedBy(Fixtures.GATEWAY.key());
        UsageReceipt backdated = witnessed(p, 1_000_000, 64L << 20, 500, closedAt.minusSeconds(5), grant);
        assertThat(ReceiptBounds.check(backdated, Fixtures.RESOURCES.cpuMillis(), Fixtures.RESOURCES.memoryMiB(),
                Duration.ofSeconds(30))).as("within the grant's bounds").isEmpty();
        assertThat(quarantinedAndNothingCharged(p, backdated)).isEqualTo("outside-lease");
        assertThat(db.strings("SELECT detail FROM quarantine WHERE invocation_id = ?", backdated.invocationId()))
                .singleElement().asString().contains("granted at");
    }

    @Test
    void aCounterSignatureByAnUntrustedKeyChargesNothing() throws Exception {
        Parties p = parties();
        Wallet untrusted = Wallet.random();
        UsageReceipt receipt = Fixtures.agentCopy(p.lease(), p.provider().key(), 1_000_000).counterSignedByGateway(untrusted.key());
        assertThat(quarantinedAndNothingCharged(p, receipt)).isEqualTo("bad-gateway-signature");
    }

    @Test
    void withoutTheGatewaysWitnessAReceiptEndsUnwitnessedAndAnImpostorsClaimCannotBlockTheHonestReceipt() throws Exception {
        Parties honest = parties();
        Parties impostor = parties();
        Parties unwitnessed = parties();
        Db db = new Db(dataSource);
        UsageReceipt honestCopy = Fixtures.agentCopy(honest.lease(), honest.provider().key(), 2_000_000);
        // another provider claims the honest receipt's invocation id, on its own lease, under a grant it made itself;
        // its receipt arrives first
        Instant start = honestCopy.startedAt();
        InvocationGrant selfMade = InvocationGrant.unsigned(honestCopy.invocationId(), impostor.lease().id(),
                impostor.provider().address(), impostor.developer().address(), "bafybeigdyrztestbundle", Fixtures.TIMEOUT_MILLIS,
                start.minusMillis(200), Duration.ofSeconds(30)).signedBy(impostor.provider().key());
        UsageReceipt claim = UsageReceipt.unsigned(honestCopy.invocationId(), impostor.lease().id(), impostor.provider().address(),
                impostor.developer().address(), 900_000_000, 500L << 20, 1_000, 0, 0, start, start.plusMillis(1_000), selfMade)
                .signedByProvider(impostor.provider().key());
        UsageReceipt alone = Fixtures.agentCopy(unwitnessed.lease(), unwitnessed.provider().key(), 3_000_000);
        Fixtures.publishReceipts(producer, List.of(claim));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM awaiting_witness WHERE receipt_hash = ?",
                claim.hashHex()) == 1);
        Fixtures.publishReceipts(producer, List.of(honestCopy, alone));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM awaiting_witness WHERE invocation_id = ?", honestCopy.invocationId()) == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM awaiting_witness WHERE receipt_hash = ?",
                alone.hashHex()) == 1);
        // the gateway's copy of the honest receipt: rated; its waiting copy is resolved, the impostor's is not
        UsageReceipt honestReceipt = Fixtures.witnessed(honestCopy);
        Fixtures.publishReceipts(producer, List.of(honestReceipt));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM receipts WHERE invocation_id = ?",
                honestCopy.invocationId()) == 1);
        assertThat(db.strings("SELECT receipt_hash FROM receipts WHERE invocation_id = ?", honestCopy.invocationId()))
                .containsExactly(honestReceipt.hashHex());
        assertThat(db.strings("SELECT receipt_hash FROM awaiting_witness WHERE invocation_id = ?", honestCopy.invocationId()))
                .containsExactly(claim.hashHex());
        assertThat(db.number("SELECT charged FROM usage_totals WHERE lease_id = ?", honest.lease().id()))
                .isEqualTo(IngestionTest.expected(honest.lease(), List.of(honestReceipt)));
        // governance shortens the witness window: what waits without a witness is quarantined by the sweep
        Instant now = Instant.now();
        try {
            decide("PT1S", 71, now);
            await().atMost(Duration.ofSeconds(30)).until(() -> rules.witnessWindow().equals(Duration.ofSeconds(1)));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(db.strings("SELECT reason FROM quarantine WHERE lease_id = ? AND resolved_at IS NULL",
                        impostor.lease().id())).containsExactly("unwitnessed");
                assertThat(db.strings("SELECT reason FROM quarantine WHERE lease_id = ? AND resolved_at IS NULL",
                        unwitnessed.lease().id())).containsExactly("unwitnessed");
            });
        } finally {
            // a later decision puts the window back for the other tests sharing this service
            decide("PT10M", 72, now.plusSeconds(2));
            await().atMost(Duration.ofSeconds(30)).until(() -> rules.witnessWindow().equals(Duration.ofMinutes(10)));
        }
        assertThat(db.strings("SELECT CAST(invocation_id AS text) FROM quarantine WHERE lease_id = ?", impostor.lease().id()))
                .containsExactly(honestCopy.invocationId().toString());
        assertThat(db.count("SELECT count(*) FROM awaiting_witness WHERE lease_id IN (?, ?, ?)", honest.lease().id(),
                impostor.lease().id(), unwitnessed.lease().id())).isZero();
        // no money moved for the impostor or the unwitnessed receipt; the honest receipt was rated once, never quarantined
        assertNothingCharged(db, impostor);
        assertNothingCharged(db, unwitnessed);
        assertThat(db.count("SELECT count(*) FROM quarantine WHERE lease_id = ?", honest.lease().id())).isZero();
        assertThat(db.count("SELECT receipts FROM usage_totals WHERE lease_id = ?", honest.lease().id())).isEqualTo(1);
        assertThat(db.number("SELECT rated FROM pairs WHERE consumer_address = ?", honest.developer().address().value()))
                .isEqualTo(IngestionTest.expected(honest.lease(), List.of(honestReceipt)));
    }

    static void decide(String window, long proposal, Instant effectiveAt) throws Exception {
        ParameterChanged change = new ParameterChanged(BillingRules.WITNESS_WINDOW, window, ParameterChanged.UNIT_DURATION,
                proposal, effectiveAt);
        producer.send(EventKeys.signed(Topics.GOVERNANCE_DECISIONS, BillingRules.WITNESS_WINDOW, JsonCodec.write(
                EventEnvelope.of(ParameterChanged.TYPE, ParameterChanged.SOURCE, effectiveAt, BillingRules.WITNESS_WINDOW,
                        change)))).get();
    }
}
