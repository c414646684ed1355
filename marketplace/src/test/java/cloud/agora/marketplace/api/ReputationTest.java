package cloud.agora.marketplace.api;

import static cloud.agora.marketplace.api.Market.bid;
import static cloud.agora.marketplace.api.Market.prices;
import static cloud.agora.marketplace.api.Market.resources;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.FileImporter;
import cloud.agora.marketplace.domain.ReputationFacts;
import cloud.agora.marketplace.domain.ReputationLedger;
import cloud.agora.marketplace.domain.ReputationRefresher;
import cloud.agora.marketplace.domain.ReputationSnapshots;
import cloud.agora.protocol.reputation.ReputationSnapshot;
import cloud.agora.protocol.reputation.ReputationView;
import static org.assertj.core.api.Assertions.assertThat;
import cloud.agora.protocol.dispute.DisputeDecided;
import cloud.agora.protocol.dispute.DisputeRules;
import cloud.agora.protocol.dispute.DisputeState;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.reputation.CallObservations;
import cloud.agora.protocol.reputation.LatencyHistogram;
import cloud.agora.testsupport.EventKeys;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.Wallet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A provider's reputation comes from evidence others witnessed — the calls functions gateways saw, the audits storage
 * gateways ran — each piece counted once, and only from those who may give it; matching follows it.
 */
@QuarkusTest
@QuarkusTestResource(value = EventKeys.class, initArgs = @ResourceArg(name = "service", value = "marketplace"))
class ReputationTest {

    private static final Map<String, Object> ASK = prices("1000", "200", "5", "7");
    private static final Map<String, Object> MAX = prices("5000", "1000", "50", "70");

    @Inject
    ReputationRefresher refresher;

    @Inject
    ReputationSnapshots snapshots;

    @Inject
    ReputationLedger ledger;

    @Inject
    io.agroal.api.AgroalDataSource dataSource;

    @Test
    void callsAGatewaySawCountOnceEachAndObservationsNobodyMayGiveCountNothing() {
        Market provider = Market.participant().provide(region(), resources(1000, 1024, 0), ASK);
        Address address = provider.wallet.address();
        String counted = JsonCodec.write(observations(address, 10, 7, 3));
        send(EventKeys.signed(Topics.FUNCTIONS_OBSERVATIONS, address.value(), counted));
        // the same record again (a redelivery), and forged ones: unsigned, a stranger's, another service's key
        send(EventKeys.signed(Topics.FUNCTIONS_OBSERVATIONS, address.value(), counted));
        String forged = JsonCodec.write(observations(address, 1000, 0, 1000));
        send(new ProducerRecord<>(Topics.FUNCTIONS_OBSERVATIONS, address.value(), forged));
        send(EventKeys.signedBy(Wallet.random().key(), Topics.FUNCTIONS_OBSERVATIONS, address.value(), forged));
        send(EventKeys.signedBy(EventKeys.of("billing"), Topics.FUNCTIONS_OBSERVATIONS, address.value(), forged));
        // and, after them all, one more the gateway signed: once it counts, the ones before it were handled
        send(EventKeys.signed(Topics.FUNCTIONS_OBSERVATIONS, address.value(),
                JsonCodec.write(observations(address, 5, 5, 0))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/providers/" + address + "/reputation").then().statusCode(200)
                        .body("calls.total", equalTo(15)));
        given().get("/api/v1/providers/" + address + "/reputation").then()
                .body("calls.answered", equalTo(12)).body("calls.agentErrors", equalTo(3))
                .body("calls.failedOnProvider", equalTo(3)).body("calls.failureRate", equalTo(0.2f))
                .body("latency.samples", equalTo(12)).body("latency.p50Millis", equalTo(20))
                .body("score", equalTo(800)).body("formula", containsString("(1 − 3/15)"));
    }

    @Test
    void billingsDisputeDecisionsCountOnceEachInTheHourDecidedAndOnlyWhenBillingSignedThem() throws Exception {
        Market provider = Market.participant().provide(region(), resources(1000, 1024, 0), ASK);
        Address address = provider.wallet.address();
        // first a score below the most: 1 of 5 calls failed on the provider's side, 1000 × (1 − 1/5) = 800
        send(EventKeys.signed(Topics.FUNCTIONS_OBSERVATIONS, address.value(),
                JsonCodec.write(observations(address, 5, 4, 1))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(reputation(address).calls().total()).isEqualTo(5));
        assertThat(reputation(address).score()).isEqualTo(800);

        // an upheld dispute, decided two hours ago: 800 × 10/11, counted in the hour it was decided
        Instant decidedAt = Instant.now().minus(Duration.ofHours(2));
        String upheld = JsonCodec.write(decided(address, DisputeState.UPHELD, decidedAt));
        send(EventKeys.signed(Topics.BILLING_DISPUTES, address.value(), upheld));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(reputation(address).disputes().upheld()).isEqualTo(1));
        ReputationView lowered = reputation(address);
        assertThat(lowered.disputes()).isEqualTo(new ReputationView.Disputes(1, 0, 10, 10.0 / 11));
        assertThat(lowered.score()).isEqualTo(727);
        assertThat(lowered.formula()).endsWith(" × (0 + 10)/(0 + 1 + 10)) = 727");
        assertThat(disputesIn(address, decidedAt)).containsExactly(1L, 0L);

        // the same record again (a redelivery) counts nothing; a rejected one wins part back: 800 × 11/12
        send(EventKeys.signed(Topics.BILLING_DISPUTES, address.value(), upheld));
        send(EventKeys.signed(Topics.BILLING_DISPUTES, address.value(),
                JsonCodec.write(decided(address, DisputeState.REJECTED, Instant.now()))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(reputation(address).disputes().rejected()).isEqualTo(1));
        ReputationView raised = reputation(address);
        assertThat(raised.disputes()).isEqualTo(new ReputationView.Disputes(1, 1, 10, 11.0 / 12));
        assertThat(raised.score()).isEqualTo(733);

        // decisions billing did not sign, against another provider: unsigned, a stranger's, another service's key
        Market other = Market.participant().provide(region(), resources(1000, 1024, 0), ASK);
        Address target = other.wallet.address();
        String forged = JsonCodec.write(decided(target, DisputeState.UPHELD, Instant.now()));
        send(new ProducerRecord<>(Topics.BILLING_DISPUTES, target.value(), forged));
        send(EventKeys.signedBy(Wallet.random().key(), Topics.BILLING_DISPUTES, target.value(), forged));
        send(EventKeys.signedBy(EventKeys.of("functions"), Topics.BILLING_DISPUTES, target.value(), forged));
        // then one billing signed, for the first provider: once it counts, the ones before it were handled
        send(EventKeys.signed(Topics.BILLING_DISPUTES, address.value(),
                JsonCodec.write(decided(address, DisputeState.REJECTED, Instant.now()))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(reputation(address).disputes().rejected()).isEqualTo(2));
        ReputationView untouched = reputation(target);
        assertThat(untouched.disputes()).isEqualTo(new ReputationView.Disputes(0, 0, 10, 1.0));
        assertThat(untouched.score()).isEqualTo(1000);
    }

    @Test
    void aStorageGatewayReportsTheAuditsOfLeasesItBrokeredOnceEachAndNobodyElseReportsAny() {
        String region = region();
        Market storer = Market.participant().provide(region, resources(1000, 1024, 10), ASK);
        Market alice = Market.participant();
        Market gateway = Market.as(MarketAuthorizationTest.STORAGE_GATEWAY);
        Map<String, Object> spec = new HashMap<>(bid(resources(0, 0, 1), 1, MAX));
        spec.put("kind", "STORAGE");
        spec.put("constraints", Map.of("region", region));
        spec.put("payer", alice.address());
        String bidId = gateway.post("/api/v1/bids", spec).statusCode(201).extract().path("id");
        String lease = gateway.get("/api/v1/bids/" + bidId).statusCode(200).extract().path("leaseIds[0]");
        Map<String, Object> passed = audit(lease, true);
        Map<String, Object> failed = audit(lease, false);

        // someone who is no storage gateway, and a storage gateway for a lease it did not broker: nothing counts
        alice.post("/api/v1/audits", Map.of("audits", List.of(failed))).statusCode(403)
                .body("type", equalTo("urn:agora:problem:forbidden"));
        gateway.post("/api/v1/audits", Map.of("audits", List.of(failed, audit(UUID.randomUUID().toString(), false))))
                .statusCode(422).body("type", equalTo("urn:agora:problem:invalid-audit-report"));
        given().get("/api/v1/providers/" + storer.address() + "/reputation").then()
                .body("audits.passed", equalTo(0)).body("audits.failed", equalTo(0));

        gateway.post("/api/v1/audits", Map.of("audits", List.of(passed, passed, failed))).statusCode(200)
                .body("counted", equalTo(2));
        gateway.post("/api/v1/audits", Map.of("audits", List.of(passed, failed))).statusCode(200)
                .body("counted", equalTo(0));
        given().get("/api/v1/providers/" + storer.address() + "/reputation").then()
                .body("audits.passed", equalTo(1)).body("audits.failed", equalTo(1))
                .body("audits.passRate", equalTo(0.5f));
    }

    @Test
    void aBidAskingForAMinimumScoreAvoidsTheFailingProviderAndSaysWhyItRests() {
        String region = region();
        Market failing = Market.participant().provide(region, resources(4000, 4096, 0), prices("900", "200", "5", "7"));
        Market reliable = Market.participant().provide(region, resources(4000, 4096, 0), ASK);
        send(EventKeys.signed(Topics.FUNCTIONS_OBSERVATIONS, failing.wallet.address().value(),
                JsonCodec.write(observations(failing.wallet.address(), 10, 5, 5))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/providers/" + failing.address() + "/reputation").then()
                        .body("calls.total", equalTo(10)));
        refresher.refreshNow();
        given().get("/api/v1/providers/" + failing.address()).then().body("reputation", equalTo(500));

        Market developer = Market.participant();
        Map<String, Object> demanding = new HashMap<>(bid(resources(250, 256, 0), 2, MAX));
        demanding.put("constraints", Map.of("region", region, "minScore", 900));
        String bidId = developer.post("/api/v1/bids", demanding).statusCode(201)
                .body("matchedReplicas", equalTo(1)).extract().path("id");
        String lease = developer.get("/api/v1/bids/" + bidId).extract().path("leaseIds[0]");
        developer.get("/api/v1/leases/" + lease).body("provider", equalTo(reliable.address()));
        developer.get("/api/v1/bids/" + bidId).statusCode(200).body("status", equalTo("OPEN"))
                .body("unmatchedReasons", contains("BELOW_RELIABILITY"));

        // a bid asking nothing of reliability still takes the cheaper, failing provider
        Map<String, Object> plain = new HashMap<>(bid(resources(250, 256, 0), 1, MAX));
        plain.put("constraints", Map.of("region", region));
        String plainBid = developer.post("/api/v1/bids", plain).statusCode(201).extract().path("id");
        String plainLease = developer.get("/api/v1/bids/" + plainBid).extract().path("leaseIds[0]");
        developer.get("/api/v1/leases/" + plainLease).body("provider", equalTo(failing.address()));
    }

    @Test
    void badReliabilityConstraintsAreRefusedAndPlaceNothing() {
        Market developer = Market.participant();
        for (Map<String, Object> constraints : List.of(Map.<String, Object>of("minScore", 1001),
                Map.<String, Object>of("maxFailureRate", 1.5), Map.<String, Object>of("maxFailureRate", -0.1))) {
            Map<String, Object> spec = new HashMap<>(bid(resources(250, 256, 0), 1, MAX));
            spec.put("constraints", constraints);
            developer.post("/api/v1/bids", spec).statusCode(400).body("type", equalTo("urn:agora:problem:invalid-bid"));
        }
        given().get("/api/v1/leases?owner=" + developer.address()).then();
        developer.get("/api/v1/leases?owner=" + developer.address()).statusCode(200).body("$", empty());
    }

    @Test
    void everyProvidersReputationIsPublicAndAnUnknownProviderHasNone() {
        Market provider = Market.participant().provide(region(), resources(1000, 1024, 0), ASK);
        given().get("/api/v1/providers/" + provider.address() + "/reputation").then().statusCode(200)
                .body("score", equalTo(1000)).body("uptime.downSeconds", equalTo(0));
        given().get("/api/v1/reputation").then().statusCode(200).body("provider", hasItem(provider.address()));
        given().get("/api/v1/providers/" + Wallet.random().address() + "/reputation").then().statusCode(404)
                .body("type", equalTo("urn:agora:problem:provider-not-found"));
    }

    @Test
    void aSnapshotIsTheDocumentItsCidNamesAndItsHoursAddUpToEveryProvidersCounts() throws Exception {
        Market provider = Market.participant().provide(region(), resources(1000, 1024, 0), ASK);
        Address address = provider.wallet.address();
        send(EventKeys.signed(Topics.FUNCTIONS_OBSERVATIONS, address.value(),
                JsonCodec.write(observations(address, 4, 3, 1))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/providers/" + address + "/reputation").then().body("calls.total", equalTo(4)));
        ReputationSnapshot.Published published = snapshots.publish();

        given().get("/api/v1/reputation/snapshots").then().statusCode(200).body("[0].cid", equalTo(published.cid()));
        byte[] body = given().get("/api/v1/reputation/snapshots/" + published.cid()).then().statusCode(200).extract()
                .asByteArray();
        // the bytes are the document the CID names, as ipfs add --cid-version=1 --raw-leaves would address them
        assertThat(FileImporter.importFile(new java.io.ByteArrayInputStream(body), DagLayout.KUBO_CID_V1,
                (c, b, n) -> { }).root().toString()).isEqualTo(published.cid());
        ReputationSnapshot snapshot = JsonCodec.read(new String(body, java.nio.charset.StandardCharsets.UTF_8),
                ReputationSnapshot.class);
        assertThat(snapshot.formula()).contains("score = floor(1000");
        assertThat(snapshot.providers()).isNotEmpty().allSatisfy(p -> {
            ReputationView view = p.view();
            assertThat(p.hours().stream().mapToLong(ReputationSnapshot.Hour::calls).sum()).isEqualTo(view.calls().total());
            assertThat(p.hours().stream().mapToLong(ReputationSnapshot.Hour::agentErrors).sum())
                    .isEqualTo(view.calls().agentErrors());
            assertThat(p.hours().stream().mapToLong(ReputationSnapshot.Hour::auditsFailed).sum())
                    .isEqualTo(view.audits().failed());
            assertThat(p.hours().stream().mapToLong(ReputationSnapshot.Hour::leasesByProvider).sum())
                    .isEqualTo(view.leasesEnded().byProvider());
        });
        assertThat(snapshot.providers()).anySatisfy(p -> {
            assertThat(p.view().provider()).isEqualTo(address);
            assertThat(p.view().calls().failedOnProvider()).isEqualTo(1);
        });
        given().get("/api/v1/reputation/snapshots/bafkreiaaaa").then().statusCode(404)
                .body("type", equalTo("urn:agora:problem:snapshot-not-found"));
    }

    @Test
    void evidenceOlderThanTheRetentionIsDeletedAndNewerEvidenceStays() throws Exception {
        Market provider = Market.participant().provide(region(), resources(1000, 1024, 0), ASK);
        Address address = provider.wallet.address();
        Instant old = Instant.now().minus(Duration.ofDays(91));
        ledger.record("old-evidence-" + UUID.randomUUID(), address, old, ReputationFacts.audit(false));
        ledger.record("new-evidence-" + UUID.randomUUID(), address, Instant.now(), ReputationFacts.audit(true));
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.PreparedStatement s = c.prepareStatement(
                "UPDATE reputation_evidence SET received_at = ? WHERE id LIKE 'old-evidence-%'")) {
            s.setTimestamp(1, java.sql.Timestamp.from(old));
            s.executeUpdate();
        }
        assertThat(hoursOf(address)).isEqualTo(2);
        assertThat(ledger.prune()).isPositive();
        assertThat(hoursOf(address)).isEqualTo(1);
        given().get("/api/v1/providers/" + address + "/reputation").then().body("audits.passed", equalTo(1));
    }

    private static ReputationView reputation(Address provider) {
        return JsonCodec.read(given().get("/api/v1/providers/" + provider + "/reputation").then().statusCode(200)
                .extract().asString(), ReputationView.class);
    }

    /** The provider's upheld and rejected disputes in the evidence row of the hour holding {@code at}. */
    private List<Long> disputesIn(Address provider, Instant at) throws java.sql.SQLException {
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.PreparedStatement s = c.prepareStatement(
                "SELECT disputes_upheld, disputes_rejected FROM reputation_hours WHERE provider = ? AND hour = ?")) {
            s.setString(1, provider.value());
            s.setTimestamp(2, java.sql.Timestamp.from(at.truncatedTo(java.time.temporal.ChronoUnit.HOURS)));
            try (java.sql.ResultSet r = s.executeQuery()) {
                return r.next() ? List.of(r.getLong(1), r.getLong(2)) : List.of();
            }
        }
    }

    private static EventEnvelope<DisputeDecided> decided(Address provider, DisputeState state, Instant at) {
        DisputeDecided decision = new DisputeDecided(UUID.randomUUID(), UUID.randomUUID(), Wallet.random().address(),
                provider, UUID.randomUUID(), Wei.of(1_000_000), state,
                state == DisputeState.UPHELD ? DisputeRules.TIMEOUT_BEFORE_LIMIT : DisputeRules.WITNESSED_SUCCESS, at);
        return EventEnvelope.of(DisputeDecided.TYPE, "billing", at, provider.value(), decision);
    }

    private long hoursOf(Address provider) throws java.sql.SQLException {
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM reputation_hours WHERE provider = ?")) {
            s.setString(1, provider.value());
            try (java.sql.ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static Map<String, Object> audit(String lease, boolean passed) {
        Map<String, Object> audit = new HashMap<>();
        audit.put("id", UUID.randomUUID().toString());
        audit.put("leaseId", lease);
        audit.put("passed", passed);
        audit.put("at", Instant.now().toString());
        if (!passed) {
            audit.put("reason", "wrong proof");
        }
        return audit;
    }

    private static EventEnvelope<CallObservations> observations(Address provider, long calls, long answered,
            long agentErrors) {
        LatencyHistogram.Counter latency = new LatencyHistogram.Counter();
        for (int i = 0; i < answered; i++) {
            latency.add(15);
        }
        Instant now = Instant.now();
        CallObservations seen = new CallObservations(EventKeys.address("functions"), provider, now.minusSeconds(10), now,
                calls, answered, 0, agentErrors, 0, 0, latency.snapshot(), latency.snapshot(), 0, null);
        return EventEnvelope.of(CallObservations.TYPE, "functions", now, provider.value(), seen);
    }

    private static String region() {
        return "rep-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void send(ProducerRecord<String, String> record) {
        KafkaBroker.send(record);
    }
}
