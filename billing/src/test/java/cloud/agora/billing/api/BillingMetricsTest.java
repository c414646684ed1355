package cloud.agora.billing.api;

import static cloud.agora.billing.Fixtures.lease;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;

import cloud.agora.billing.BillingDevnetResource;
import cloud.agora.billing.Fixtures;
import cloud.agora.billing.domain.Rejection.Reasons;
import cloud.agora.billing.domain.VoucherIssuer;
import cloud.agora.billing.metrics.BillingMeters;
import cloud.agora.contracts.chain.Redemption;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.PrometheusText;
import cloud.agora.testsupport.Wallet;
import com.fasterxml.jackson.core.type.TypeReference;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Billing's meters on {@code /q/metrics} move exactly by what was committed: receipts rated and their charges to the
 * wei, refusals by reason only, nothing for a refused request or a rolled-back batch; vouchers and redeems with their
 * amounts; the backlog gauges read what the tables hold. Driven through the real paths (HTTP, Kafka, Anvil).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(BillingDevnetResource.class)
class BillingMetricsTest {

    static final Wei DEPOSIT = Wei.parse("1000000000000000000");
    static final String RATED = "agora_billing_receipts_rated_total";
    static final String CHARGED = "agora_billing_charged_wei_total";
    static final String QUARANTINED = "agora_billing_receipts_quarantined_total";
    static final String WAITS = "agora_billing_witness_waits_total";
    static final String BATCHES = "agora_billing_batches_seconds_count";
    static final String FAILED = "agora_billing_batches_failed_total";
    static KafkaProducer<String, String> producer;

    @InjectDevnet
    Devnet devnet;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    VoucherIssuer issuer;

    @Inject
    BillingMeters meters;

    @BeforeAll
    static void kafka() {
        producer = Fixtures.producer();
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    /** The exposition now. */
    static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    static double value(String exposition, String metric, String... labels) {
        return PrometheusText.sum(exposition, metric, labels);
    }

    static double reason(String exposition, String reason) {
        return value(exposition, QUARANTINED, "reason=\"" + reason + "\"");
    }

    static BigInteger charges(LeaseView lease, List<UsageReceipt> receipts) {
        return receipts.stream().map(Fixtures.terms(lease)::charge).reduce(BigInteger.ZERO, BigInteger::add);
    }

    LeaseView knownLease(Wallet developer, Wallet provider) throws Exception {
        LeaseView lease = lease(developer.address(), provider.address());
        Fixtures.publishLease(producer, lease);
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", lease.id()) == 1);
        return lease;
    }

    static void post(String token, List<UsageReceipt> receipts, int rated, int quarantined, int waiting) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts", receipts)))
                .post("/api/v1/usage/batches").then().statusCode(200).body("rated", equalTo(rated))
                .body("quarantined", hasSize(quarantined)).body("awaitingWitness", hasSize(waiting));
    }

    @Test
    void eachReceiptIsCountedOnceWithItsChargeAndRefusalsOnlyByTheirReason() throws Exception {
        Wallet provider = Wallet.random();
        Wallet developer = Wallet.random();
        Wallet stranger = Wallet.random();
        LeaseView lease = knownLease(developer, provider);
        LeaseView strangersLease = knownLease(developer, stranger);
        String token = provider.signIn();
        Db db = new Db(dataSource);

        // the agent's copies wait: nothing rated or charged, three waits, one batch
        List<UsageReceipt> copies = List.of(Fixtures.agentCopy(lease, provider.key(), 11_000_000),
                Fixtures.agentCopy(lease, provider.key(), 12_000_000), Fixtures.agentCopy(lease, provider.key(), 13_000_000));
        String m0 = scrape();
        post(token, copies, 0, 0, 3);
        String m1 = scrape();
        assertThat(value(m1, RATED) - value(m0, RATED)).isZero();
        assertThat(value(m1, CHARGED) - value(m0, CHARGED)).isZero();
        assertThat(value(m1, WAITS) - value(m0, WAITS)).isEqualTo(3);
        assertThat(value(m1, BATCHES) - value(m0, BATCHES)).isEqualTo(1);
        meters.refresh();
        String waiting = scrape();
        assertThat(value(waiting, "agora_billing_receipts_awaiting_witness"))
                .isEqualTo(db.count("SELECT count(*) FROM awaiting_witness")).isGreaterThanOrEqualTo(3);
        assertThat(PrometheusText.samples(waiting, "agora_billing_receipts_awaiting_witness_oldest_seconds")).singleElement()
                .satisfies(seconds -> assertThat(seconds).isGreaterThanOrEqualTo(0));

        // their witnessed twins and two more: five rated, charged to the wei, the waiting rows gone
        List<UsageReceipt> witnessed = new ArrayList<>(copies.stream().map(Fixtures::witnessed).toList());
        witnessed.add(Fixtures.receipt(lease, provider.key(), 14_000_000));
        witnessed.add(Fixtures.receipt(lease, provider.key(), 15_000_000));
        post(token, witnessed, 5, 0, 0);
        String m2 = scrape();
        assertThat(value(m2, RATED) - value(m1, RATED)).isEqualTo(5);
        assertThat(value(m2, CHARGED) - value(m1, CHARGED)).isCloseTo(charges(lease, witnessed).doubleValue(), within(0.5));
        assertThat(charges(lease, witnessed)).isEqualTo(db.number("SELECT charged FROM usage_totals WHERE lease_id = ?", lease.id()));
        assertThat(value(m2, WAITS) - value(m1, WAITS)).isZero();
        meters.refresh();
        assertThat(value(scrape(), "agora_billing_receipts_awaiting_witness"))
                .isEqualTo(db.count("SELECT count(*) FROM awaiting_witness"))
                .isEqualTo(value(waiting, "agora_billing_receipts_awaiting_witness") - 3);

        // the same five again: replays, counted as such, charging nothing
        post(token, witnessed, 0, 5, 0);
        String m3 = scrape();
        assertThat(value(m3, RATED) - value(m2, RATED)).isZero();
        assertThat(value(m3, CHARGED) - value(m2, CHARGED)).isZero();
        assertThat(reason(m3, Reasons.REPLAYED) - reason(m2, Reasons.REPLAYED)).isEqualTo(5);
        assertThat(value(m3, QUARANTINED) - value(m2, QUARANTINED)).isEqualTo(5);

        // one refusal of each of three reasons, next to a good receipt: each reason moves by one, the good one is rated
        UsageReceipt good = Fixtures.receipt(lease, provider.key(), 16_000_000);
        UsageReceipt signed = Fixtures.receipt(lease, provider.key(), 17_000_000);
        UsageReceipt tampered = new UsageReceipt(signed.invocationId(), signed.leaseId(), signed.provider(), signed.consumer(),
                signed.cpuNanos() * 1000, signed.peakMemoryBytes(), signed.memoryMibMillis(), signed.wallMillis(),
                signed.bytesIn(), signed.bytesOut(), signed.startedAt(), signed.endedAt(), signed.grant(),
                signed.providerSignature(), signed.gatewaySignature());
        UsageReceipt untrustedWitness = Fixtures.agentCopy(lease, provider.key(), 18_000_000)
                .counterSignedByGateway(stranger.key());
        UsageReceipt inProvidersName = Fixtures.witnessed(UsageReceipt.unsigned(UUID.randomUUID(), strangersLease.id(),
                provider.address(), developer.address(), 1, 1, 1, 1, 1, good.startedAt(), good.endedAt(), null)
                .signedByProvider(provider.key()));
        post(token, List.of(good, tampered, untrustedWitness, inProvidersName), 1, 3, 0);
        String m4 = scrape();
        assertThat(value(m4, RATED) - value(m3, RATED)).isEqualTo(1);
        assertThat(value(m4, CHARGED) - value(m3, CHARGED)).isCloseTo(charges(lease, List.of(good)).doubleValue(), within(0.5));
        for (String reason : Reasons.ALL) {
            double moved = reason(m4, reason) - reason(m3, reason);
            assertThat(moved).as(reason).isEqualTo(switch (reason) {
                case Reasons.BAD_PROVIDER_SIGNATURE, Reasons.BAD_GATEWAY_SIGNATURE, Reasons.LEASE_PROVIDER_MISMATCH -> 1.0;
                default -> 0.0;
            });
        }
        assertThat(db.strings("SELECT reason FROM quarantine WHERE invocation_id IN (?, ?, ?) ORDER BY reason",
                tampered.invocationId(), untrustedWitness.invocationId(), inProvidersName.invocationId()))
                .containsExactly("bad-gateway-signature", "bad-provider-signature", "lease-provider-mismatch");

        // a request refused whole (another provider's receipt): no meter moves, not even the batches
        given().auth().oauth2(stranger.signIn()).contentType(ContentType.JSON)
                .body(JsonCodec.write(Map.of("receipts", List.of(Fixtures.receipt(lease, provider.key(), 19_000_000)))))
                .post("/api/v1/usage/batches").then().statusCode(403);
        String m5 = scrape();
        for (String metric : List.of(RATED, CHARGED, QUARANTINED, WAITS, BATCHES, FAILED)) {
            assertThat(value(m5, metric)).as(metric).isEqualTo(value(m4, metric));
        }

        // bounded tags: one series per quarantine reason, no lease, party or invocation in any billing meter
        assertThat(PrometheusText.samples(m5, QUARANTINED)).hasSize(Reasons.ALL.size() + 1);
        List<String> billingLines = m5.lines().filter(l -> l.startsWith("agora_billing_")).toList();
        assertThat(billingLines).isNotEmpty().noneMatch(l -> Stream.of(lease.id().toString(), provider.address().value(),
                developer.address().value(), good.invocationId().toString()).anyMatch(l.toLowerCase()::contains));
    }

    @Test
    void aBatchWhoseTransactionRollsBackCountsOnlyAsFailed() throws Exception {
        Wallet provider = Wallet.random();
        Wallet stranger = Wallet.random();
        LeaseView lease = knownLease(Wallet.random(), provider);
        String token = provider.signIn();
        List<UsageReceipt> batch = List.of(Fixtures.receipt(lease, provider.key(), 21_000_000),
                Fixtures.receipt(lease, provider.key(), 22_000_000),
                Fixtures.agentCopy(lease, provider.key(), 23_000_000).counterSignedByGateway(stranger.key()));
        // the database refuses this lease's receipts at COMMIT (a deferred constraint trigger): the transaction did all
        // its work (ratings, totals, the quarantine row) and then rolls back whole
        sql("CREATE FUNCTION refuse_metrics_lease() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "RAISE EXCEPTION 'refused by the test'; END $$");
        sql("CREATE CONSTRAINT TRIGGER refuse_metrics_lease AFTER INSERT ON receipts DEFERRABLE INITIALLY DEFERRED"
                + " FOR EACH ROW WHEN (NEW.lease_id = '" + lease.id() + "') EXECUTE FUNCTION refuse_metrics_lease()");
        String m0 = scrape();
        try {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts", batch)))
                    .post("/api/v1/usage/batches").then().statusCode(greaterThanOrEqualTo(500));
        } finally {
            sql("DROP TRIGGER refuse_metrics_lease ON receipts");
            sql("DROP FUNCTION refuse_metrics_lease()");
        }
        String m1 = scrape();
        Db db = new Db(dataSource);
        assertThat(db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", lease.id())).isZero();
        assertThat(db.count("SELECT count(*) FROM quarantine WHERE lease_id = ?", lease.id())).isZero();
        for (String metric : List.of(RATED, CHARGED, QUARANTINED, WAITS, BATCHES)) {
            assertThat(value(m1, metric)).as(metric).isEqualTo(value(m0, metric));
        }
        assertThat(value(m1, FAILED) - value(m0, FAILED)).isEqualTo(1);

        // sent again, it commits and counts
        post(token, batch, 2, 1, 0);
        String m2 = scrape();
        assertThat(value(m2, RATED) - value(m1, RATED)).isEqualTo(2);
        assertThat(value(m2, CHARGED) - value(m1, CHARGED)).isCloseTo(charges(lease, batch.subList(0, 2)).doubleValue(),
                within(0.5));
        assertThat(reason(m2, Reasons.BAD_GATEWAY_SIGNATURE) - reason(m1, Reasons.BAD_GATEWAY_SIGNATURE)).isEqualTo(1);
        assertThat(value(m2, BATCHES) - value(m1, BATCHES)).isEqualTo(1);
        assertThat(value(m2, FAILED)).isEqualTo(value(m1, FAILED));
    }

    @Test
    void aReceiptParkedBeforeItsLeaseCountsAsParkedThenAsRatedThroughKafka() throws Exception {
        Wallet provider = Wallet.random();
        Wallet developer = Wallet.random();
        LeaseView lease = lease(developer.address(), provider.address());
        UsageReceipt early = Fixtures.receipt(lease, provider.key(), 31_000_000);
        Db db = new Db(dataSource);
        String m0 = scrape();
        Fixtures.publishReceipts(producer, List.of(early));
        await().atMost(Duration.ofSeconds(30)).until(() -> reason(scrape(), Reasons.UNKNOWN_LEASE) - reason(m0, Reasons.UNKNOWN_LEASE) == 1);
        meters.refresh();
        String m1 = scrape();
        assertThat(value(m1, "agora_billing_receipts_parked"))
                .isEqualTo(db.count("SELECT count(*) FROM quarantine WHERE reason = 'unknown-lease' AND resolved_at IS NULL"))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(m1, RATED) - value(m0, RATED)).isZero();
        assertThat(PrometheusText.samples(m1, "agora_billing_ingestion_records_behind", "topic=\"" + Topics.USAGE_RECEIPTS + "\""))
                .singleElement().satisfies(records -> assertThat(records).isGreaterThanOrEqualTo(0));

        Fixtures.publishLease(producer, lease);
        await().atMost(Duration.ofSeconds(30)).until(() -> value(scrape(), RATED) - value(m1, RATED) == 1);
        String m2 = scrape();
        assertThat(value(m2, CHARGED) - value(m1, CHARGED)).isCloseTo(charges(lease, List.of(early)).doubleValue(), within(0.5));
        assertThat(value(m2, QUARANTINED)).isEqualTo(value(m1, QUARANTINED));
        meters.refresh();
        assertThat(value(scrape(), "agora_billing_receipts_parked")).isEqualTo(value(m1, "agora_billing_receipts_parked") - 1);
    }

    @Test
    void vouchersAndRedeemsAreCountedOnceWithTheirAmounts() throws Exception {
        Parties p = Parties.fund(devnet, dataSource, producer, DEPOSIT, DEPOSIT);
        String token = p.provider().signIn();
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            receipts.add(Fixtures.receipt(p.lease(), p.provider().key(), 3_000_000L * (i + 1)));
        }
        post(token, receipts, 12, 0, 0);
        BigInteger rated = charges(p.lease(), receipts);
        Db db = new Db(dataSource);
        meters.refresh();
        String m0 = scrape();
        assertThat(value(m0, "agora_billing_unvouchered_wei")).isCloseTo(db.number(
                "SELECT COALESCE(sum(GREATEST(rated - credited - vouchered, 0)), 0) FROM pairs").doubleValue(), within(0.5));

        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isPresent();
        String m1 = scrape();
        assertThat(value(m1, "agora_billing_vouchers_issued_total") - value(m0, "agora_billing_vouchers_issued_total")).isEqualTo(1);
        assertThat(value(m1, "agora_billing_vouchered_wei_total") - value(m0, "agora_billing_vouchered_wei_total"))
                .isCloseTo(rated.doubleValue(), within(0.5));
        meters.refresh();
        String vouchered = scrape();
        assertThat(value(m0, "agora_billing_unvouchered_wei") - value(vouchered, "agora_billing_unvouchered_wei"))
                .isCloseTo(rated.doubleValue(), within(0.5));
        assertThat(value(vouchered, "agora_billing_unredeemed_wei")).isCloseTo(db.number(
                "SELECT COALESCE(sum(GREATEST(vouchered - redeemed, 0)), 0) FROM pairs").doubleValue(), within(0.5));
        // nothing new to voucher: no voucher, nothing counted
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isEmpty();
        assertThat(value(scrape(), "agora_billing_vouchers_issued_total")).isEqualTo(value(m1, "agora_billing_vouchers_issued_total"));

        Redemption redemption = devnet.escrow().redeem(devnet.account(5), latest(p, token));
        assertThat(redemption.payment().plus(redemption.fee()).value()).isEqualTo(rated);
        await().atMost(Duration.ofSeconds(30)).until(() -> value(scrape(), "agora_billing_redeems_total")
                - value(m1, "agora_billing_redeems_total") == 1);
        String m2 = scrape();
        assertThat(value(m2, "agora_billing_redeemed_wei_total") - value(m1, "agora_billing_redeemed_wei_total"))
                .isCloseTo(rated.doubleValue(), within(0.5));
        assertThat(value(m2, "agora_billing_redeems_reverted_total")).isEqualTo(value(m1, "agora_billing_redeems_reverted_total"));
        assertThat(PrometheusText.samples(m2, "agora_billing_settlement_blocks_behind")).singleElement()
                .satisfies(blocks -> assertThat(blocks).isGreaterThanOrEqualTo(0));
        meters.refresh();
        assertThat(value(vouchered, "agora_billing_unredeemed_wei") - value(scrape(), "agora_billing_unredeemed_wei"))
                .isCloseTo(rated.doubleValue(), within(0.5));

        // a developer whose cap is too low gets no voucher, and none is counted
        Parties capped = Parties.fund(devnet, dataSource, producer, DEPOSIT, Wei.of(1));
        post(capped.provider().signIn(), List.of(Fixtures.receipt(capped.lease(), capped.provider().key(), 5_000_000)), 1, 0, 0);
        String m3 = scrape();
        assertThat(issuer.issue(capped.developer().address(), capped.provider().address())).isEmpty();
        String m4 = scrape();
        assertThat(value(m4, "agora_billing_vouchers_issued_total")).isEqualTo(value(m3, "agora_billing_vouchers_issued_total"));
        assertThat(value(m4, "agora_billing_vouchered_wei_total")).isEqualTo(value(m3, "agora_billing_vouchered_wei_total"));
    }

    @Test
    void aRedeemUndoneByAReorganisationIsCountedAsRevertedWithItsAmount() throws Exception {
        Parties p = Parties.fund(devnet, dataSource, producer, DEPOSIT, DEPOSIT);
        String token = p.provider().signIn();
        List<UsageReceipt> receipts = List.of(Fixtures.receipt(p.lease(), p.provider().key(), 7_000_000),
                Fixtures.receipt(p.lease(), p.provider().key(), 8_000_000));
        post(token, receipts, 2, 0, 0);
        BigInteger rated = charges(p.lease(), receipts);
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isPresent();
        String m0 = scrape();
        String snapshot = devnet.snapshot();
        devnet.escrow().redeem(devnet.account(5), latest(p, token));
        await().atMost(Duration.ofSeconds(30)).until(() -> value(scrape(), "agora_billing_redeems_total")
                - value(m0, "agora_billing_redeems_total") == 1);
        devnet.revert(snapshot);
        devnet.mine(3);
        await().atMost(Duration.ofSeconds(30)).until(() -> value(scrape(), "agora_billing_redeems_reverted_total")
                - value(m0, "agora_billing_redeems_reverted_total") == 1);
        String m1 = scrape();
        assertThat(value(m1, "agora_billing_redeemed_reverted_wei_total") - value(m0, "agora_billing_redeemed_reverted_wei_total"))
                .isCloseTo(rated.doubleValue(), within(0.5));
        assertThat(value(m1, "agora_billing_redeemed_wei_total") - value(m0, "agora_billing_redeemed_wei_total"))
                .isCloseTo(rated.doubleValue(), within(0.5));
        assertThat(value(m1, "agora_billing_redeems_total") - value(m0, "agora_billing_redeems_total")).isEqualTo(1);
    }

    private SignedVoucher latest(Parties p, String providerToken) {
        String json = given().auth().oauth2(providerToken).get("/api/v1/vouchers?provider=" + p.provider().address())
                .then().statusCode(200).extract().asString();
        List<VoucherView> vouchers = JsonCodec.read(json, new TypeReference<List<VoucherView>>() {
        });
        assertThat(vouchers).hasSize(1);
        return vouchers.get(0).voucher();
    }

    private void sql(String statement) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }
}
