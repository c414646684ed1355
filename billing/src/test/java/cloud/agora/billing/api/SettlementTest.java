package cloud.agora.billing.api;

import static cloud.agora.billing.Fixtures.receipt;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.billing.BillingDevnetResource;
import cloud.agora.billing.Fixtures;
import cloud.agora.billing.domain.VoucherIssuer;
import cloud.agora.contracts.chain.Redemption;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.StoragePeriods;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.TopicReader;
import cloud.agora.testsupport.Wallet;
import com.fasterxml.jackson.core.type.TypeReference;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.web3j.utils.Numeric;

/** Vouchers signed by billing's delegate key are redeemed on chain; billing follows the redeems and proves every line. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(BillingDevnetResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SettlementTest {

    static final Wei DEPOSIT = Wei.parse("1000000000000000000");
    static KafkaProducer<String, String> producer;

    @InjectDevnet
    Devnet devnet;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    VoucherIssuer issuer;

    @BeforeAll
    static void kafka() {
        producer = Fixtures.producer();
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    Parties parties(Wei cap) throws Exception {
        return Parties.fund(devnet, dataSource, producer, DEPOSIT, cap);
    }

    List<UsageReceipt> send(Parties p, int count, String token) {
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            receipts.add(receipt(p.lease(), p.provider().key(), 3_000_000L * (i + 1)));
        }
        given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts", receipts)))
                .post("/api/v1/usage/batches").then().statusCode(200).body("rated", equalTo(count));
        return receipts;
    }

    VoucherView latestVoucher(Parties p, String providerToken) {
        String json = given().auth().oauth2(providerToken).get("/api/v1/vouchers?provider=" + p.provider().address())
                .then().statusCode(200).extract().asString();
        List<VoucherView> vouchers = JsonCodec.read(json, new TypeReference<List<VoucherView>>() {
        });
        assertThat(vouchers).hasSize(1);
        return vouchers.get(0);
    }

    @Test
    @Order(1)
    void aVoucherCoversEveryReceiptAndItsRedeemIsFollowedAndProvesEachLine() throws Exception {
        Parties p = parties(DEPOSIT);
        String providerToken = p.provider().signIn();
        String developerToken = p.developerWallet().signIn();
        List<UsageReceipt> first = send(p, 40, providerToken);
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isPresent();
        VoucherView v1 = latestVoucher(p, providerToken);
        assertThat(v1.sequence()).isEqualTo(1);
        assertThat(v1.receipts()).isEqualTo(40);
        assertThat(v1.voucher().signer(devnet.escrow().domain())).isEqualTo(devnet.account(4).address());
        BigInteger rated1 = new Db(dataSource).number("SELECT rated FROM pairs WHERE consumer_address = ?", p.developer().address().value());
        assertThat(v1.voucher().voucher().cumulativeAmount().value()).isEqualTo(rated1);

        Redemption r1 = devnet.escrow().redeem(devnet.account(5), v1.voucher());
        assertThat(r1.receiptsRoot()).isEqualTo(v1.voucher().voucher().receiptsRoot());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(developerToken)
                .get("/api/v1/accounts/" + p.developer().address()).then().statusCode(200)
                .body("redeemed", equalTo(rated1.toString())).body("unpaid", equalTo("0"))
                .body("balance", equalTo(DEPOSIT.minus(new Wei(rated1)).toString()))
                .body("delegate.delegate", equalTo(devnet.account(4).address().checksummed())));
        for (UsageReceipt r : first) {
            assertProofAgainst(r, developerToken, r1);
        }

        // a second voucher is cumulative: its root covers the first receipts too, the redeem pays the increment
        List<UsageReceipt> second = send(p, 25, providerToken);
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isPresent();
        VoucherView v2 = latestVoucher(p, providerToken);
        assertThat(v2.sequence()).isEqualTo(2);
        assertThat(v2.receipts()).isEqualTo(65);
        Redemption r2 = devnet.escrow().redeem(devnet.account(5), v2.voucher());
        BigInteger rated2 = new Db(dataSource).number("SELECT rated FROM pairs WHERE consumer_address = ?", p.developer().address().value());
        assertThat(r2.payment().plus(r2.fee()).value()).isEqualTo(rated2.subtract(rated1));
        await().atMost(Duration.ofSeconds(30)).until(() -> new Db(dataSource).number(
                "SELECT redeemed FROM pairs WHERE consumer_address = ?", p.developer().address().value()).equals(rated2));
        assertProofAgainst(first.get(0), providerToken, r2);
        assertProofAgainst(second.get(24), developerToken, r2);
        assertThat(devnet.escrow().redeemed(p.developer().address(), p.provider().address()).value()).isEqualTo(rated2);

        List<String> settled = TopicReader.readUntil(Topics.BILLING_SETTLEMENTS, records -> records.stream()
                .filter(rec -> rec.key().equals(p.developer().address().checksummed())).count() >= 2, Duration.ofSeconds(30))
                .stream().filter(rec -> rec.key().equals(p.developer().address().checksummed())).map(rec -> rec.value()).toList();
        assertThat(settled).hasSize(2).allSatisfy(json -> assertThat(json).contains(BillingEvents.SETTLEMENT_CONFIRMED));
        assertThat(settled.get(1)).contains(r2.receipt().transactionHash()).contains("\"voucherSequence\":2");
        // gas per settled receipt for this (later, delegate-signed) redeem
        System.out.printf("redeem of %d receipts: %s gas%n", 25, r2.receipt().gasUsed());
    }

    @Test
    @Order(2)
    void aDeveloperWhoDidNotAuthorizeBillingOrWhoseCapIsTooLowGetsNoVoucher() throws Exception {
        Parties p = parties(Wei.of(1));
        send(p, 3, p.provider().signIn());
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isEmpty();
        devnet.escrow().revoke(p.developer());
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isEmpty();
        String developerToken = p.developerWallet().signIn();
        UsageReceipt r = send(p, 1, p.provider().signIn()).get(0);
        given().auth().oauth2(developerToken).get("/api/v1/receipts/" + r.invocationId() + "/proof").then().statusCode(409)
                .body("type", equalTo("urn:agora:problem:receipt-not-vouchered"));
    }

    @Test
    @Order(3)
    void aRedeemUndoneByAReorganisationIsForgottenAndReverted() throws Exception {
        Parties p = parties(DEPOSIT);
        send(p, 5, p.provider().signIn());
        VoucherView v = issuer.issue(p.developer().address(), p.provider().address())
                .map(s -> new VoucherView(s.sequence(), s.signed(), s.receipts(), s.issuedAt(), false)).orElseThrow();
        String snapshot = devnet.snapshot();
        devnet.escrow().redeem(devnet.account(5), v.voucher());
        Db db = new Db(dataSource);
        String consumer = p.developer().address().value();
        await().atMost(Duration.ofSeconds(30)).until(() -> db.number("SELECT redeemed FROM pairs WHERE consumer_address = ?", consumer).signum() > 0);
        devnet.revert(snapshot);
        devnet.mine(3);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.number("SELECT redeemed FROM pairs WHERE consumer_address = ?", consumer).signum() == 0);
        assertThat(db.count("SELECT count(*) FROM settlements WHERE consumer_address = ?", consumer)).isZero();
        List<String> events = TopicReader.readUntil(Topics.BILLING_SETTLEMENTS, records -> records.stream()
                .anyMatch(rec -> rec.key().equals(p.developer().address().checksummed()) && rec.value().contains(BillingEvents.SETTLEMENT_REVERTED)),
                Duration.ofSeconds(30)).stream().filter(rec -> rec.key().equals(p.developer().address().checksummed()))
                .map(rec -> rec.value()).toList();
        assertThat(events).anyMatch(e -> e.contains(BillingEvents.SETTLEMENT_REVERTED));
        // the same voucher can be redeemed again on the new chain, and is followed again
        devnet.escrow().redeem(devnet.account(5), v.voucher());
        await().atMost(Duration.ofSeconds(30)).until(() -> db.number("SELECT redeemed FROM pairs WHERE consumer_address = ?", consumer)
                .equals(db.number("SELECT rated FROM pairs WHERE consumer_address = ?", consumer)));
    }

    /**
     * A storage lease is paid like calls: each period its storage gateway witnessed is rated at the lease's GiB-month
     * price, vouchered and redeemed on chain; a period claimed twice (a fresh id), one before the lease, one witnessed
     * by a functions gateway or by nobody is refused and moves no money.
     */
    @Test
    @Order(4)
    void aStorageLeasesWitnessedPeriodsAreRatedAtItsGibMonthPriceAndRedeemedLikeCalls() throws Exception {
        Signer developer = devnet.newAccount();
        devnet.escrow().deposit(developer, DEPOSIT);
        devnet.escrow().authorize(developer, devnet.account(4).address(), DEPOSIT);
        Wallet provider = Wallet.random();
        LeaseView lease = Fixtures.storageLease(developer.address(), provider.address(), 2, Duration.ofHours(3));
        Fixtures.publishLease(producer, lease);
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", lease.id()) == 1);

        Duration period = Duration.ofHours(1); // billing's storage period (default)
        List<Instant> ended = StoragePeriods.endedBetween(lease.createdAt(), Instant.now(), period);
        List<UsageReceipt> periods = ended.stream().map(start -> witnessedPeriod(lease, provider, start, period)).toList();
        UsageReceipt first = periods.get(0);
        List<UsageReceipt> attacks = List.of(
                // the first period again under a fresh id, to be charged twice
                new UsageReceipt(UUID.randomUUID(), lease.id(), provider.address(), developer.address(), 0, 0, 0,
                        first.wallMillis(), 0, 0, first.startedAt(), first.endedAt(), null, null, null)
                        .signedByProvider(provider.key()).counterSignedByGateway(Fixtures.STORAGE_GATEWAY.key()),
                // the period before the lease began
                witnessedPeriod(lease, provider, first.startedAt().minus(period), period),
                // a period witnessed by the functions gateway, which witnesses calls only
                StoragePeriods.receipt(lease.id(), provider.address(), developer.address(), first.startedAt().minus(period),
                        period).signedByProvider(provider.key()).counterSignedByGateway(Fixtures.GATEWAY.key()),
                // the provider's own claim, witnessed by nobody
                StoragePeriods.receipt(lease.id(), provider.address(), developer.address(),
                        first.startedAt().minus(period).minus(period), period).signedByProvider(provider.key()));
        List<UsageReceipt> batch = new ArrayList<>(periods);
        batch.addAll(attacks);
        String providerToken = provider.signIn();
        JsonPath outcome = given().auth().oauth2(providerToken).contentType(ContentType.JSON)
                .body(JsonCodec.write(Map.of("receipts", batch))).post("/api/v1/usage/batches").then().statusCode(200)
                .extract().jsonPath();
        assertThat(outcome.getInt("rated")).isEqualTo(periods.size());
        assertThat(outcome.getList("quarantined.reason", String.class))
                .containsExactlyInAnyOrder("out-of-bounds", "outside-lease", "bad-gateway-signature", "unwitnessed");

        BigInteger perPeriod = StoragePeriods.charge(Fixtures.STORAGE_PRICES.perGiBMonth().value(), 2, period.toMillis());
        BigInteger total = perPeriod.multiply(BigInteger.valueOf(periods.size()));
        assertThat(perPeriod).isEqualTo(BigInteger.valueOf(7_200_000_000L)); // 2 GiB-hours at 2.592e12 wei per GiB-month
        assertThat(issuer.issue(developer.address(), provider.address())).isPresent();
        String json = given().auth().oauth2(providerToken).get("/api/v1/vouchers?provider=" + provider.address()).then()
                .statusCode(200).extract().asString();
        List<VoucherView> vouchers = JsonCodec.read(json, new TypeReference<List<VoucherView>>() {
        });
        assertThat(vouchers).hasSize(1);
        assertThat(vouchers.get(0).receipts()).isEqualTo(periods.size());
        assertThat(vouchers.get(0).voucher().voucher().cumulativeAmount().value()).isEqualTo(total);
        Redemption redeemed = devnet.escrow().redeem(devnet.account(5), vouchers.get(0).voucher());
        assertThat(redeemed.payment().plus(redeemed.fee()).value()).isEqualTo(total);
        assertThat(devnet.escrow().redeemed(developer.address(), provider.address()).value()).isEqualTo(total);
    }

    private static UsageReceipt witnessedPeriod(LeaseView lease, Wallet provider, Instant start, Duration period) {
        return StoragePeriods.receipt(lease.id(), provider.address(), lease.owner(), start, period)
                .signedByProvider(provider.key()).counterSignedByGateway(Fixtures.STORAGE_GATEWAY.key());
    }

    private void assertProofAgainst(UsageReceipt r, String token, Redemption redemption) {
        JsonPath proof = given().auth().oauth2(token).get("/api/v1/receipts/" + r.invocationId() + "/proof").then()
                .statusCode(200).extract().jsonPath();
        assertThat(proof.getString("receiptHash")).isEqualTo(r.hashHex());
        assertThat(proof.getString("voucher.voucher.voucher.receiptsRoot")).isEqualTo(redemption.receiptsRoot().hex());
        List<byte[]> path = proof.getList("proof", String.class).stream().map(Numeric::hexStringToByteArray).toList();
        assertThat(ReceiptMerkleTree.verify(path, redemption.receiptsRoot().toBytes(), r.hash())).isTrue();
        assertThat(proof.getString("settlement.transactionHash")).isEqualTo(redemption.receipt().transactionHash());
    }
}
