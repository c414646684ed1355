package cloud.agora.billing.api;

import static cloud.agora.billing.Fixtures.GATEWAY;
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
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.dispute.CallWitness;
import cloud.agora.protocol.dispute.DisputeCredit;
import cloud.agora.protocol.dispute.DisputeDecided;
import cloud.agora.protocol.dispute.DisputeRequest;
import cloud.agora.protocol.dispute.DisputeRules;
import cloud.agora.protocol.dispute.DisputeState;
import cloud.agora.protocol.dispute.DisputeView;
import cloud.agora.protocol.dispute.ProviderAnswer;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.ReceiptRating;
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
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;

/**
 * Disputes over charges, decided from the gateway's signed witness, the receipt, its grant and the lease: an upheld
 * one is deducted from the pair's next voucher (which still redeems on chain and whose tree names the credit), a
 * rejected one changes no money; every decision is published for the provider's reputation; forged or mismatched
 * evidence, strangers and late disputes change nothing.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(BillingDevnetResource.class)
class DisputeTest {

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

    /** A funded developer who authorized billing, a provider, their lease, and each one's billing token. */
    record Signed(Parties parties, String developerToken, String providerToken) {

        Signer developer() {
            return parties.developer();
        }

        Wallet provider() {
            return parties.provider();
        }

        LeaseView lease() {
            return parties.lease();
        }
    }

    Signed parties() throws Exception {
        Parties p = Parties.fund(devnet, dataSource, producer, DEPOSIT, DEPOSIT);
        return new Signed(p, p.developerWallet().signIn(), p.provider().signIn());
    }

    List<UsageReceipt> rate(Signed p, List<UsageReceipt> receipts) {
        given().auth().oauth2(p.providerToken()).contentType(ContentType.JSON).body(JsonCodec.write(Map.of("receipts", receipts)))
                .post("/api/v1/usage/batches").then().statusCode(200).body("rated", equalTo(receipts.size()));
        return receipts;
    }

    List<UsageReceipt> rate(Signed p, int count) {
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            receipts.add(receipt(p.lease(), p.provider().key(), 3_000_000L * (i + 1)));
        }
        return rate(p, receipts);
    }

    static BigInteger charge(UsageReceipt r) {
        return ReceiptRating.charge(Fixtures.PRICES, r);
    }

    static CallWitness witness(UsageReceipt r, InvocationOutcome outcome, int exitCode, Wallet gateway) {
        return CallWitness.sign(r.invocationId(), r.leaseId(), r.provider(), r.consumer(), r.hash(), outcome, exitCode,
                Instant.now(), gateway.key());
    }

    VoucherView voucher(Signed p) {
        String json = given().auth().oauth2(p.providerToken()).get("/api/v1/vouchers?provider=" + p.provider().address())
                .then().statusCode(200).extract().asString();
        List<VoucherView> vouchers = JsonCodec.read(json, new TypeReference<List<VoucherView>>() {
        });
        assertThat(vouchers).hasSize(1);
        return vouchers.get(0);
    }

    io.restassured.response.Response dispute(String token, UsageReceipt r, CallWitness witness) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(JsonCodec.write(new DisputeRequest(r.invocationId(), witness))).post("/api/v1/disputes");
    }

    DisputeView view(String token, UUID id) {
        return JsonCodec.read(given().auth().oauth2(token).get("/api/v1/disputes/" + id).then().statusCode(200)
                .extract().asString(), DisputeView.class);
    }

    long disputes(Signed p) {
        return new Db(dataSource).count("SELECT count(*) FROM disputes WHERE consumer_address = ?", p.developer().address().value());
    }

    BigInteger credited(Signed p) {
        return new Db(dataSource).number("SELECT credited FROM pairs WHERE consumer_address = ?", p.developer().address().value());
    }

    static List<DisputeDecided> decisions(UUID disputeId) {
        TypeReference<EventEnvelope<DisputeDecided>> type = new TypeReference<>() {
        };
        return TopicReader.readUntil(Topics.BILLING_DISPUTES, records -> records.stream()
                        .anyMatch(r -> JsonCodec.read(r.value(), type).data().disputeId().equals(disputeId)), Duration.ofSeconds(30))
                .stream().map(r -> JsonCodec.read(r.value(), type)).filter(e -> DisputeDecided.TYPE.equals(e.type()))
                .map(EventEnvelope::data).filter(d -> d.disputeId().equals(disputeId)).toList();
    }

    @Test
    void aDisputeOverACallTheGatewaySawEndedBeforeItsTimeoutIsUpheldAndTheNextVoucherIsLowerByExactlyThatCharge()
            throws Exception {
        Signed p = parties();
        List<UsageReceipt> first = rate(p, 5);
        UsageReceipt cutShort = first.get(2);
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isPresent();
        VoucherView v1 = voucher(p);
        Redemption r1 = devnet.escrow().redeem(devnet.account(5), v1.voucher());
        assertThat(r1.redeemed()).isEqualTo(v1.voucher().voucher().cumulativeAmount());

        // the agent reported a timeout after 500 ms of a 30 s grant: the gateway witnessed the call ending so
        String opened = dispute(p.developerToken(), cutShort, witness(cutShort, InvocationOutcome.TIMEOUT, 137, GATEWAY))
                .then().statusCode(201).body("state", equalTo("OPEN")).extract().asString();
        DisputeView open = JsonCodec.read(opened, DisputeView.class);
        assertThat(open.charge().value()).isEqualTo(charge(cutShort));
        // nobody answers: it is decided when the provider's answer window ends
        await().atMost(Duration.ofSeconds(60)).until(() -> view(p.developerToken(), open.id()).state() != DisputeState.OPEN);
        DisputeView decided = view(p.providerToken(), open.id());
        assertThat(decided.state()).isEqualTo(DisputeState.UPHELD);
        assertThat(decided.rule()).isEqualTo(DisputeRules.TIMEOUT_BEFORE_LIMIT);
        assertThat(decided.answer()).isNull();
        assertThat(decided.evidence().witness().outcome()).isEqualTo(InvocationOutcome.TIMEOUT);
        assertThat(decided.evidence().receiptHash()).isEqualTo(Numeric.toHexString(cutShort.hash()));
        assertThat(decided.evidence().wallMillis()).isEqualTo(cutShort.wallMillis());
        assertThat(decided.evidence().timeoutMillis()).isEqualTo(Fixtures.TIMEOUT_MILLIS);
        assertThat(credited(p)).isEqualTo(charge(cutShort));
        given().auth().oauth2(p.developerToken()).get("/api/v1/accounts/" + p.developer().address()).then().statusCode(200)
                .body("credited", equalTo(charge(cutShort).toString()));
        assertThat(decisions(open.id())).singleElement().satisfies(d -> {
            assertThat(d.state()).isEqualTo(DisputeState.UPHELD);
            assertThat(d.provider()).isEqualTo(p.provider().address());
            assertThat(d.charge()).isEqualTo(open.charge());
        });

        List<UsageReceipt> second = rate(p, 4);
        BigInteger secondCharges = second.stream().map(DisputeTest::charge).reduce(BigInteger.ZERO, BigInteger::add);
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isPresent();
        VoucherView v2 = voucher(p);
        BigInteger cumulative1 = v1.voucher().voucher().cumulativeAmount().value();
        assertThat(v2.voucher().voucher().cumulativeAmount().value())
                .isEqualTo(cumulative1.add(secondCharges).subtract(charge(cutShort)));
        assertThat(view(p.developerToken(), open.id()).creditedIn()).isEqualTo(v2.sequence());
        // the voucher's tree commits to every receipt and the credit: anyone recomputes its root from them
        List<byte[]> leaves = new ArrayList<>();
        first.forEach(r -> leaves.add(r.hash()));
        second.forEach(r -> leaves.add(r.hash()));
        leaves.add(DisputeCredit.leaf(open.id(), cutShort.invocationId(), charge(cutShort)));
        assertThat(v2.voucher().voucher().receiptsRoot().toBytes()).isEqualTo(ReceiptMerkleTree.of(leaves).root());
        // and the escrow pays exactly the difference
        Redemption r2 = devnet.escrow().redeem(devnet.account(5), v2.voucher());
        assertThat(r2.payment().plus(r2.fee()).value()).isEqualTo(secondCharges.subtract(charge(cutShort)));
    }

    @Test
    void aDisputeOverAWitnessedSuccessfulCallIsRejectedWithItsEvidenceAndTheProvidersAnswer() throws Exception {
        Signed p = parties();
        List<UsageReceipt> rated = rate(p, 3);
        UsageReceipt ok = rated.get(0);
        CallWitness witness = witness(ok, InvocationOutcome.OK, 0, GATEWAY);
        DisputeView open = JsonCodec.read(dispute(p.developerToken(), ok, witness).then().statusCode(201).extract().asString(),
                DisputeView.class);
        // the provider contests with its own evidence: decided at once
        ProviderAnswer answer = new ProviderAnswer(false, "the call answered 200 within 500 ms",
                List.of("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"));
        DisputeView decided = JsonCodec.read(given().auth().oauth2(p.providerToken()).contentType(ContentType.JSON)
                .body(JsonCodec.write(answer)).post("/api/v1/disputes/" + open.id() + "/answer").then().statusCode(200)
                .extract().asString(), DisputeView.class);
        assertThat(decided.state()).isEqualTo(DisputeState.REJECTED);
        assertThat(decided.rule()).isEqualTo(DisputeRules.WITNESSED_SUCCESS);
        assertThat(decided.answer()).isEqualTo(answer);
        assertThat(decided.evidence().witness()).isEqualTo(witness);
        assertThat(decided.evidence().receiptHash()).isEqualTo(Numeric.toHexString(ok.hash()));
        assertThat(view(p.developerToken(), open.id())).isEqualTo(decided);
        assertThat(decisions(open.id())).singleElement().satisfies(d -> assertThat(d.state()).isEqualTo(DisputeState.REJECTED));
        // the charge stands: the next voucher pays every receipt
        assertThat(credited(p)).isZero();
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isPresent();
        assertThat(voucher(p).voucher().voucher().cumulativeAmount().value())
                .isEqualTo(rated.stream().map(DisputeTest::charge).reduce(BigInteger.ZERO, BigInteger::add));
        // a decided dispute takes no more answers and cannot be opened again
        given().auth().oauth2(p.providerToken()).contentType(ContentType.JSON)
                .body(JsonCodec.write(new ProviderAnswer(true, "", List.of())))
                .post("/api/v1/disputes/" + open.id() + "/answer").then().statusCode(409)
                .body("type", equalTo("urn:agora:problem:dispute-closed"));
        dispute(p.developerToken(), ok, witness).then().statusCode(409).body("type", equalTo("urn:agora:problem:dispute-exists"));
        assertThat(view(p.developerToken(), open.id()).state()).isEqualTo(DisputeState.REJECTED);
        assertThat(credited(p)).isZero();
    }

    @Test
    void forgedOrMismatchedEvidenceStrangersAndLateDisputesOpenNothingAndMoveNoMoney() throws Exception {
        Signed p = parties();
        List<UsageReceipt> rated = rate(p, 2);
        UsageReceipt r = rated.get(0);
        // a witness of a timeout signed by a key that is not a trusted gateway (here the provider's own)
        dispute(p.developerToken(), r, witness(r, InvocationOutcome.TIMEOUT, 137, p.provider())).then().statusCode(422)
                .body("type", equalTo("urn:agora:problem:invalid-evidence"));
        // the gateway's witness, altered to say the call timed out
        CallWitness honest = witness(r, InvocationOutcome.OK, 0, GATEWAY);
        CallWitness altered = new CallWitness(honest.invocationId(), honest.leaseId(), honest.provider(), honest.consumer(),
                honest.receiptHash(), InvocationOutcome.TIMEOUT, 137, honest.witnessedAt(), honest.gateway(), honest.signature());
        dispute(p.developerToken(), r, altered).then().statusCode(422).body("type", equalTo("urn:agora:problem:invalid-evidence"));
        // a genuine witness of a timeout, but of another call, presented for this charge
        UsageReceipt other = rated.get(1);
        CallWitness ofOther = witness(other, InvocationOutcome.TIMEOUT, 137, GATEWAY);
        given().auth().oauth2(p.developerToken()).contentType(ContentType.JSON)
                .body(JsonCodec.write(new DisputeRequest(r.invocationId(), ofOther))).post("/api/v1/disputes").then()
                .statusCode(422).body("type", equalTo("urn:agora:problem:invalid-evidence"));
        // no witness at all
        dispute(p.developerToken(), r, null).then().statusCode(422).body("type", equalTo("urn:agora:problem:invalid-evidence"));
        // a stranger disputes the developer's charge with the real witness
        String stranger = Wallet.random().signIn();
        dispute(stranger, r, witness(r, InvocationOutcome.TIMEOUT, 137, GATEWAY)).then().statusCode(404)
                .body("type", equalTo("urn:agora:problem:receipt-not-found"));
        // the provider disputes its own charge
        dispute(p.providerToken(), r, witness(r, InvocationOutcome.TIMEOUT, 137, GATEWAY)).then().statusCode(404);
        // a call that ended longer ago than the dispute window (7 days)
        Instant longAgo = Instant.now().minus(Duration.ofDays(8));
        UUID id = UUID.randomUUID();
        UsageReceipt old = UsageReceipt.unsigned(id, p.lease().id(), p.lease().provider(), p.lease().owner(), 1_000_000,
                64L * 1024 * 1024, 500, 100, 200, longAgo, longAgo.plusMillis(500), Fixtures.grant(id, p.lease(), longAgo))
                .signedByProvider(p.provider().key()).counterSignedByGateway(GATEWAY.key());
        rate(p, List.of(old));
        dispute(p.developerToken(), old, witness(old, InvocationOutcome.TIMEOUT, 137, GATEWAY)).then().statusCode(422)
                .body("type", equalTo("urn:agora:problem:dispute-window-closed"));
        // bad input
        given().auth().oauth2(p.developerToken()).contentType(ContentType.JSON).body("{\"witness\": null}")
                .post("/api/v1/disputes").then().statusCode(400);
        given().auth().oauth2(p.developerToken()).contentType(ContentType.JSON).body("{\"invocationId\": \"not-a-uuid\"}")
                .post("/api/v1/disputes").then().statusCode(400);
        given().contentType(ContentType.JSON).body(JsonCodec.write(new DisputeRequest(r.invocationId(), honest)))
                .post("/api/v1/disputes").then().statusCode(401);

        assertThat(disputes(p)).isZero();
        assertThat(credited(p)).isZero();
        // the honest dispute still opens afterwards (nothing above blocked it), and only its parties see it
        DisputeView open = JsonCodec.read(dispute(p.developerToken(), r, witness(r, InvocationOutcome.OUT_OF_MEMORY, 137, GATEWAY))
                .then().statusCode(201).extract().asString(), DisputeView.class);
        given().auth().oauth2(stranger).get("/api/v1/disputes/" + open.id()).then().statusCode(404)
                .body("type", equalTo("urn:agora:problem:dispute-not-found"));
        given().auth().oauth2(stranger).contentType(ContentType.JSON).body(JsonCodec.write(new ProviderAnswer(true, "", List.of())))
                .post("/api/v1/disputes/" + open.id() + "/answer").then().statusCode(404);
        // the developer cannot concede on the provider's behalf
        given().auth().oauth2(p.developerToken()).contentType(ContentType.JSON)
                .body(JsonCodec.write(new ProviderAnswer(true, "", List.of())))
                .post("/api/v1/disputes/" + open.id() + "/answer").then().statusCode(404);
        assertThat(view(p.developerToken(), open.id()).state()).isEqualTo(DisputeState.OPEN);
        // killed for memory at 64 MiB of a 512 MiB lease: upheld once its answer window ends
        await().atMost(Duration.ofSeconds(60)).until(() -> view(p.developerToken(), open.id()).state() != DisputeState.OPEN);
        assertThat(view(p.developerToken(), open.id()).rule()).isEqualTo(DisputeRules.MEMORY_BELOW_LIMIT);
        assertThat(credited(p)).isEqualTo(charge(r));
        given().auth().oauth2(p.developerToken()).get("/api/v1/disputes").then().statusCode(200).body("size()", equalTo(1));
        given().auth().oauth2(p.providerToken()).get("/api/v1/disputes?as=provider").then().statusCode(200).body("size()", equalTo(1));
        given().auth().oauth2(p.developerToken()).get("/api/v1/disputes?as=judge").then().statusCode(400);
    }
}
