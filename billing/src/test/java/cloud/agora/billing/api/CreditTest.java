package cloud.agora.billing.api;

import static cloud.agora.billing.Fixtures.lease;
import static cloud.agora.billing.Fixtures.receipt;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.billing.BillingDevnetResource;
import cloud.agora.billing.Fixtures;
import cloud.agora.billing.domain.BillingRules;
import cloud.agora.billing.domain.Credit;
import cloud.agora.billing.domain.CreditController;
import cloud.agora.billing.domain.LeaseTerms;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.EventKeys;
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

/**
 * Credit control against Anvil and Kafka: unpaid charges past the floor pause a developer ({@code CreditExhausted}),
 * a deposit on chain resumes them ({@code CreditRestored}), only changes are published, and the floor follows
 * governance's {@code ParameterChanged}. Credit counts everything the escrow holds against the developer: no
 * authorization of billing's delegate, a requested revoke, a requested withdrawal and a requested lower cap each pause
 * at the next review, although the escrow still honours the old terms for the withdrawal delay.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(BillingDevnetResource.class)
class CreditTest {

    static final TypeReference<EventEnvelope<CreditView>> CREDIT_EVENT = new TypeReference<>() {
    };
    static KafkaProducer<String, String> producer;

    @InjectDevnet
    Devnet devnet;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    CreditController credit;

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

    record Developer(Signer signer, LeaseView lease, Wallet provider) {
    }

    /**
     * A developer who deposited {@code deposit} and authorized billing's delegate with a cap far above it (charges
     * stay unpaid: nobody redeems in these tests), holding a lease billing knows.
     */
    Developer developer(Wei deposit) throws Exception {
        return developer(deposit, true);
    }

    Address billingDelegate() {
        return devnet.account(4).address();
    }

    /** A developer who deposited {@code deposit} (nothing when zero) and authorized nobody, holding a lease. */
    Developer unauthorized(Wei deposit) throws Exception {
        return developer(deposit, false);
    }

    /**
     * Authorizes, then deposits, before the lease exists, so that no review sees the developer half set up: the
     * settlement follower reviews a developer as soon as it reads their {@code Deposited} event, lease or not, and a
     * deposit before the authorization would be reviewed (and paused, {@code not-authorized}) in between.
     */
    Developer developer(Wei deposit, boolean authorizeBilling) throws Exception {
        Signer signer = devnet.newAccount();
        if (authorizeBilling) {
            devnet.escrow().authorize(signer, billingDelegate(), Wei.of(Long.MAX_VALUE));
        }
        if (!deposit.isZero()) {
            devnet.escrow().deposit(signer, deposit);
        }
        Wallet provider = Wallet.random();
        LeaseView lease = lease(signer.address(), provider.address());
        Fixtures.publishLease(producer, lease);
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", lease.id()) == 1);
        return new Developer(signer, lease, provider);
    }

    /** Rates {@code count} receipts over HTTP and returns their total charge. */
    BigInteger charge(Developer d, int count) {
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            receipts.add(receipt(d.lease(), d.provider().key(), 50_000_000L * (i + 1)));
        }
        given().auth().oauth2(d.provider().signIn()).contentType(ContentType.JSON)
                .body(JsonCodec.write(Map.of("receipts", receipts))).post("/api/v1/usage/batches")
                .then().statusCode(200).body("rated", equalTo(count));
        LeaseTerms terms = cloud.agora.billing.Fixtures.terms(d.lease());
        return receipts.stream().map(terms::charge).reduce(BigInteger.ZERO, BigInteger::add);
    }

    /** The developer's credit decisions (paused, resumed) once there are at least {@code atLeast}. */
    static List<EventEnvelope<CreditView>> creditEvents(Signer developer, int atLeast) {
        return creditEvents(developer, atLeast, false);
    }

    /** The developer's credit events, with the reviews that changed nothing when {@code reviews}. */
    static List<EventEnvelope<CreditView>> creditEvents(Signer developer, int atLeast, boolean reviews) {
        String key = developer.address().checksummed();
        java.util.function.Function<List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>>,
                List<EventEnvelope<CreditView>>> mine = records -> records.stream().filter(r -> key.equals(r.key()))
                        .map(r -> JsonCodec.read(r.value(), CREDIT_EVENT))
                        .filter(e -> reviews || !BillingEvents.CREDIT_REVIEWED.equals(e.type())).toList();
        return mine.apply(TopicReader.readUntil(Topics.BILLING_CREDIT, records -> mine.apply(records).size() >= atLeast,
                Duration.ofSeconds(30)));
    }

    /** The events after the first {@code CreditExhausted}. */
    static List<EventEnvelope<CreditView>> reviewsAfterTheDecision(List<EventEnvelope<CreditView>> events) {
        for (int i = 0; i < events.size(); i++) {
            if (BillingEvents.CREDIT_EXHAUSTED.equals(events.get(i).type())) {
                return events.subList(i + 1, events.size());
            }
        }
        return List.of();
    }

    @Test
    void unpaidChargesPastTheFloorPauseTheDeveloperAndADepositOnChainResumesThem() throws Exception {
        Wei deposit = Wei.of(5_000_000L);
        Developer d = developer(deposit);
        BigInteger charged = charge(d, 20);
        assertThat(charged).isGreaterThan(deposit.value()); // balance − unpaid < 0 = the test's floor

        credit.review(List.of(d.signer().address()));
        credit.review(List.of(d.signer().address())); // no change: no second decision, the review's figures only
        // (a timed review may publish too, before or after): every review after the decision carries its figures
        List<EventEnvelope<CreditView>> all = await().atMost(Duration.ofSeconds(30)).until(
                () -> creditEvents(d.signer(), 2, true), l -> reviewsAfterTheDecision(l).size() >= 1);
        assertThat(reviewsAfterTheDecision(all)).allSatisfy(r -> {
            assertThat(r.type()).isEqualTo(BillingEvents.CREDIT_REVIEWED);
            assertThat(r.data().paused()).isTrue();
            assertThat(r.data().spendable()).isEqualTo(deposit.value().subtract(charged));
        });
        List<EventEnvelope<CreditView>> events = creditEvents(d.signer(), 1);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).type()).isEqualTo(BillingEvents.CREDIT_EXHAUSTED);
        CreditView exhausted = events.get(0).data();
        assertThat(exhausted.paused()).isTrue();
        assertThat(exhausted.balance().value()).isEqualTo(deposit.value());
        assertThat(exhausted.unpaid().value()).isEqualTo(charged);
        assertThat(credit.paused(d.signer().address())).isTrue();

        // funds arrive on chain: the settlement follower sees the Deposited event and reviews the developer
        devnet.escrow().deposit(d.signer(), new Wei(charged.multiply(BigInteger.TWO)));
        List<EventEnvelope<CreditView>> after = creditEvents(d.signer(), 2);
        assertThat(after).hasSize(2);
        assertThat(after.get(1).type()).isEqualTo(BillingEvents.CREDIT_RESTORED);
        assertThat(after.get(1).data().paused()).isFalse();
        assertThat(after.get(1).data().balance().value()).isEqualTo(deposit.value().add(charged.multiply(BigInteger.TWO)));
        assertThat(credit.paused(d.signer().address())).isFalse();

        int published = creditEvents(d.signer(), 3, true).size();
        credit.review(List.of(d.signer().address()));
        // the review's own event is on the topic, and it is no third decision
        assertThat(creditEvents(d.signer(), published + 1, true).get(published).type())
                .isEqualTo(BillingEvents.CREDIT_REVIEWED);
        assertThat(creditEvents(d.signer(), 2)).hasSize(2);
    }

    @Test
    void aCreditFloorDecidedByGovernanceIsTheOneCreditControlApplies() throws Exception {
        BigInteger defaultFloor = rules.creditFloor();
        Wei deposit = Wei.of(10_000_000L);
        Developer d = developer(deposit);
        BigInteger charged = charge(d, 2);
        BigInteger margin = deposit.value().subtract(charged);
        assertThat(margin.compareTo(defaultFloor)).isPositive();
        credit.review(List.of(d.signer().address()));
        assertThat(credit.paused(d.signer().address())).isFalse();

        Instant now = Instant.now();
        BigInteger raised = margin.add(BigInteger.ONE);
        decide(BillingRules.CREDIT_FLOOR, raised.toString(), "wei", 41, now);
        decide(BillingRules.CREDIT_FLOOR, "7", "wei", 40, now.minusSeconds(60)); // older: must not win
        decide(BillingRules.CREDIT_FLOOR, "-5", "wei", 42, now.plusSeconds(1)); // invalid: ignored
        // a marker after them on the same key (one partition, read in order): once it is recorded, the older and the
        // invalid decision have been read too
        decide(BillingRules.CREDIT_FLOOR, raised.toString(), "wei", 44, now.plusMillis(1_500));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> new Db(dataSource).strings(
                    "SELECT proposal_id::text FROM governed_parameters WHERE name = ?", BillingRules.CREDIT_FLOOR).contains("44"));
            await().atMost(Duration.ofSeconds(30)).until(() -> rules.creditFloor().equals(raised));
            assertThat(rules.creditFloor()).isEqualTo(raised);
            assertThat(new Db(dataSource).strings("SELECT value FROM governed_parameters WHERE name = ?", BillingRules.CREDIT_FLOOR))
                    .containsExactly(raised.toString());

            credit.review(List.of(d.signer().address()));
            assertThat(credit.current(d.signer().address()).reason()).contains(Credit.BELOW_FLOOR);
            List<EventEnvelope<CreditView>> events = creditEvents(d.signer(), 1);
            assertThat(events).hasSize(1);
            assertThat(events.get(0).type()).isEqualTo(BillingEvents.CREDIT_EXHAUSTED);
            assertThat(events.get(0).data().floor().value()).isEqualTo(raised);
            assertThat(events.get(0).data().unpaid().value()).isEqualTo(charged);
        } finally {
            // a later decision puts the floor back for the other tests sharing this service
            decide(BillingRules.CREDIT_FLOOR, defaultFloor.toString(), "wei", 43, now.plusSeconds(2));
            await().atMost(Duration.ofSeconds(30)).until(() -> rules.creditFloor().equals(defaultFloor));
        }
    }

    @Test
    void aDeveloperWithNoDepositOrWhoNeverAuthorizedBillingIsPausedAndAnAuthorizationResumesThem() throws Exception {
        Developer none = unauthorized(Wei.ZERO);
        Developer rich = unauthorized(Wei.of(1_000_000_000_000_000_000L));
        // the timer reviews every developer holding an open lease, charged or not
        await().atMost(Duration.ofSeconds(30)).until(() -> credit.paused(rich.signer().address()) && credit.paused(none.signer().address()));
        assertThat(credit.current(rich.signer().address()).reason()).contains(Credit.NOT_AUTHORIZED);
        assertThat(creditEvents(rich.signer(), 1).get(0).type()).isEqualTo(BillingEvents.CREDIT_EXHAUSTED);

        devnet.escrow().authorize(rich.signer(), billingDelegate(), Wei.of(1_000_000_000L));
        credit.review(List.of(rich.signer().address()));
        assertThat(credit.paused(rich.signer().address())).isFalse();
        assertThat(creditEvents(rich.signer(), 2).get(1).type()).isEqualTo(BillingEvents.CREDIT_RESTORED);
        // authorized but nothing deposited: spendable 0 is not below the test's floor of 0, one wei owed is
        devnet.escrow().authorize(none.signer(), billingDelegate(), Wei.of(1_000_000_000L));
        credit.review(List.of(none.signer().address()));
        Credit empty = credit.current(none.signer().address());
        assertThat(empty.spendable()).isZero();
        charge(none, 1);
        assertThat(credit.current(none.signer().address()).reason()).contains(Credit.BELOW_FLOOR);
    }

    @Test
    void askingForOnesCreditAfterAuthorizingResumesAtOnceAndOnlyTheOwnerMayAsk() throws Exception {
        Developer d = unauthorized(Wei.of(1_000_000_000L));
        credit.review(List.of(d.signer().address()));
        assertThat(creditEvents(d.signer(), 1).get(0).type()).isEqualTo(BillingEvents.CREDIT_EXHAUSTED);
        String path = "/api/v1/accounts/" + d.signer().address().checksummed() + "/credit";
        String token = Wallet.of(d.signer().key()).signIn();
        given().auth().oauth2(token).get(path).then().statusCode(200).body("paused", equalTo(true))
                .body("reason", equalTo(Credit.NOT_AUTHORIZED)).body("capRemaining", equalTo("0"));

        devnet.escrow().authorize(d.signer(), billingDelegate(), Wei.of(500_000_000L));
        given().auth().oauth2(token).get(path).then().statusCode(200).body("paused", equalTo(false))
                .body("capRemaining", equalTo("500000000")).body("balance", equalTo("1000000000"));
        // the answer is recorded and published now, not at the next timed review
        assertThat(credit.paused(d.signer().address())).isFalse();
        assertThat(creditEvents(d.signer(), 2).get(1).type()).isEqualTo(BillingEvents.CREDIT_RESTORED);
        // another signed-in account may not read it
        given().auth().oauth2(Wallet.random().signIn()).get(path).then().statusCode(403);
        given().get(path).then().statusCode(401);
    }

    @Test
    void aWithdrawalRequestPausesAtOnceAndADepositResumes() throws Exception {
        Wei deposit = Wei.of(50_000_000L);
        Developer d = developer(deposit);
        BigInteger charged = charge(d, 2);
        credit.review(List.of(d.signer().address()));
        assertThat(credit.paused(d.signer().address())).isFalse();

        // asking for everything but what the charges need, minus one wei: the withdrawal cannot happen for an hour,
        // yet the balance it takes backs no new charge from now on
        devnet.escrow().requestWithdrawal(d.signer(), new Wei(deposit.value().subtract(charged).add(BigInteger.ONE)));
        credit.review(List.of(d.signer().address()));
        Credit withdrawing = credit.current(d.signer().address());
        assertThat(withdrawing.reason()).contains(Credit.BELOW_FLOOR);
        assertThat(withdrawing.spendable()).isEqualTo(BigInteger.ONE.negate());
        assertThat(devnet.escrow().balanceOf(d.signer().address())).isEqualTo(deposit); // still in the escrow
        List<EventEnvelope<CreditView>> events = creditEvents(d.signer(), 1);
        assertThat(events.get(0).type()).isEqualTo(BillingEvents.CREDIT_EXHAUSTED);

        devnet.escrow().deposit(d.signer(), Wei.of(1_000));
        // the settlement follower sees the Deposited event and reviews the developer
        assertThat(creditEvents(d.signer(), 2).get(1).type()).isEqualTo(BillingEvents.CREDIT_RESTORED);
        assertThat(credit.paused(d.signer().address())).isFalse();
    }

    @Test
    void aRequestedRevokePausesAtOnceWhileTheEscrowStillHonoursBillingsDelegation() throws Exception {
        Developer d = developer(Wei.of(50_000_000L));
        charge(d, 1);
        credit.review(List.of(d.signer().address()));
        assertThat(credit.paused(d.signer().address())).isFalse();

        devnet.escrow().revoke(d.signer());
        credit.review(List.of(d.signer().address()));
        assertThat(credit.current(d.signer().address()).reason()).contains(Credit.NOT_AUTHORIZED);
        assertThat(creditEvents(d.signer(), 1).get(0).type()).isEqualTo(BillingEvents.CREDIT_EXHAUSTED);
        // billing's vouchers still pay for the withdrawal delay: what it rated before the pause stays collectable
        assertThat(devnet.escrow().delegation(d.signer().address()).delegate()).contains(billingDelegate());

        // authorizing billing again with at least the same cap cancels the request at once
        devnet.escrow().authorize(d.signer(), billingDelegate(), Wei.of(Long.MAX_VALUE));
        credit.review(List.of(d.signer().address()));
        assertThat(credit.paused(d.signer().address())).isFalse();
    }

    @Test
    void aRequestedLowerCapCountsFromTheRequest() throws Exception {
        Developer d = developer(Wei.of(1_000_000_000L));
        BigInteger charged = charge(d, 2);
        credit.review(List.of(d.signer().address()));
        assertThat(credit.paused(d.signer().address())).isFalse();

        devnet.escrow().authorize(d.signer(), billingDelegate(), new Wei(charged.subtract(BigInteger.ONE)));
        credit.review(List.of(d.signer().address()));
        Credit lowered = credit.current(d.signer().address());
        assertThat(lowered.capRemaining()).contains(new Wei(charged.subtract(BigInteger.ONE)));
        assertThat(lowered.spendable()).isEqualTo(BigInteger.ONE.negate());
        assertThat(lowered.reason()).contains(Credit.BELOW_FLOOR);
    }

    static void decide(String name, String value, String unit, long proposal, Instant effectiveAt) throws Exception {
        ParameterChanged change = new ParameterChanged(name, value, unit, proposal, effectiveAt);
        producer.send(EventKeys.signed(Topics.GOVERNANCE_DECISIONS, name, JsonCodec.write(EventEnvelope.of(
                ParameterChanged.TYPE, ParameterChanged.SOURCE, effectiveAt, name, change)))).get();
    }
}
