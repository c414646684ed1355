package cloud.agora.functions.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.domain.invocation.CallAdmission;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deployments bid in the marketplace as the developer and follow their bids. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
@QuarkusTestResource(BillingStub.class)
class DeploymentTest {

    static final Map<String, Object> MAX = Map.of("perVcpuSecond", "5000", "perGiBSecond", "5000", "perInvocation", "50",
            "perGiBMonth", "0");

    @Inject
    AgroalDataSource dataSource;

    @Inject
    CallAdmission admission;

    Developer alice;
    String name;

    @BeforeEach
    void aliceHasTwoVersions() {
        alice = Developer.signedIn();
        name = "dep-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> spec = Developer.spec(name);
        spec.put("cpuMillis", 300);
        spec.put("memoryMiB", 256);
        alice.publish(spec, Bundles.echo()).statusCode(201);
        alice.publish(Developer.spec(name), Bundles.tar().file("handler.sh", "echo v2\n").gz()).statusCode(201);
    }

    static Map<String, Object> order(Integer version, int replicas, String region) {
        Map<String, Object> order = new HashMap<>(Map.of("replicas", replicas, "maxPrices", MAX,
                "constraints", Map.of("region", region)));
        if (version != null) {
            order.put("version", version);
        }
        return order;
    }

    String deployments() {
        return "/api/v1/functions/" + name + "/deployments";
    }

    @Test
    void aPreviewQuotesEveryMatchingProviderAndTheLoadAsBillingRatesItAndBidsForNothing() {
        List<Long> before = Rows.counts(dataSource);
        Map<String, Object> order = order(1, 2, "eu");
        order.put("load", Map.of("callsPerSecond", 2.5, "durationMillis", 40, "cpuMillisPerCall", 12, "memoryMiB", 64));
        var preview = alice.post(deployments() + "/preview", order).statusCode(200)
                .body("function", equalTo(name)).body("version", equalTo(1)).body("replicas", equalTo(2))
                .body("wouldLease", equalTo(2)).body("resources.cpuMillis", equalTo(300))
                .body("quotes", hasSize(3)).body("quotes.wouldLease", org.hamcrest.Matchers.contains(true, true, false))
                .body("load.durationMillis", equalTo(40)).body("load.cpuMillisPerCall", equalTo(12))
                .extract();
        // a call at the quoted prices, rated by billing's rule: 12 ms of CPU, 64 MiB for 40 ms, plus the call's price
        cloud.agora.protocol.resources.Prices max = new cloud.agora.protocol.resources.Prices(
                cloud.agora.protocol.money.Wei.of(5000), cloud.agora.protocol.money.Wei.of(5000),
                cloud.agora.protocol.money.Wei.of(50), cloud.agora.protocol.money.Wei.of(0));
        java.math.BigInteger perCall = cloud.agora.protocol.usage.ReceiptRating.charge(max, 12_000_000L, 64L * 40);
        assertThat(preview.<String>path("quotes[0].cost.perCall")).isEqualTo(perCall.toString());
        assertThat(preview.<String>path("quotes[0].cost.perMillionCalls"))
                .isEqualTo(perCall.multiply(java.math.BigInteger.valueOf(1_000_000)).toString());
        assertThat(preview.<String>path("quotes[0].cost.perHour"))
                .isEqualTo(perCall.multiply(java.math.BigInteger.valueOf(9000)).toString()); // 2.5/s × 3600 s
        assertThat(preview.<String>path("expected.perCall")).isEqualTo(perCall.toString());
        assertThat(preview.<String>path("quotes[0].prices.perVcpuSecond")).isEqualTo("5000");
        assertThat(Rows.counts(dataSource)).as("no bid placed, nothing recorded").isEqualTo(before);

        // with no load given, the version's ceilings: 100 ms at its whole CPU quota (300 millis/s) and memory (256 MiB)
        alice.post(deployments() + "/preview", order(1, 1, "eu")).statusCode(200)
                .body("load.callsPerSecond", equalTo(1)).body("load.durationMillis", equalTo(100))
                .body("load.cpuMillisPerCall", equalTo(30)).body("load.memoryMiB", equalTo(256))
                .body("quotes[0].cost.perCall", equalTo(cloud.agora.protocol.usage.ReceiptRating
                        .charge(max, 30_000_000L, 256L * 100).toString()));
    }

    @Test
    void aPreviewNobodyCanServeNamesTheConstraintAndHowManyProvidersItExcludes() {
        alice.post(deployments() + "/preview", order(null, 1, "nowhere")).statusCode(200)
                .body("wouldLease", equalTo(0)).body("quotes", hasSize(0)).body("expected", org.hamcrest.Matchers.nullValue())
                .body("market.excluded[0].constraint", equalTo("REGION")).body("market.excluded[0].providers", equalTo(2))
                .body("market.unmatchedReasons", org.hamcrest.Matchers.contains("NO_PROVIDER_IN_REGION"));
    }

    @Test
    void aPreviewIsRefusedAsTheDeployWouldBeAndForALoadOutsideTheVersion() {
        int previews = MarketplaceStub.PREVIEWS.get();
        Map<String, Object> tooBusy = order(1, 1, "eu");
        tooBusy.put("load", Map.of("durationMillis", 100, "cpuMillisPerCall", 31)); // 300 millis/s allow 30 in 100 ms
        alice.post(deployments() + "/preview", tooBusy).statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-deployment"))
                .body("detail", containsString("cpuMillisPerCall"));
        Map<String, Object> noCalls = order(1, 1, "eu");
        noCalls.put("load", Map.of("callsPerSecond", 0));
        alice.post(deployments() + "/preview", noCalls).statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-deployment"));
        alice.post(deployments() + "/preview", order(1, 0, "eu")).statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-deployment"));
        alice.post(deployments() + "/preview", order(9, 1, "eu")).statusCode(404)
                .body("type", equalTo("urn:agora:problem:version-not-found"));
        Developer.signedIn().post(deployments() + "/preview", order(1, 1, "eu")).statusCode(404)
                .body("type", equalTo("urn:agora:problem:function-not-found"));
        assertThat(MarketplaceStub.PREVIEWS.get()).as("the marketplace was not asked").isEqualTo(previews);
        alice.post(deployments() + "/preview", order(1, 1, "refused")).statusCode(400)
                .body("type", equalTo("urn:agora:problem:bid-refused"));
    }

    @Test
    void deploysAVersionOnDistinctProvidersWithTheVersionsResources() {
        String id = alice.post(deployments(), order(1, 2, "eu")).statusCode(201)
                .body("function", equalTo(name)).body("version", equalTo(1)).body("replicas", equalTo(2))
                .body("status", equalTo("ACTIVE")).body("placed", hasSize(2)).body("reasons", hasSize(0))
                .extract().path("id");
        UUID bidId = UUID.fromString(alice.get(deployments() + "/" + id).statusCode(200).extract().path("bidId"));
        MarketplaceStub.Held bid = MarketplaceStub.BIDS.get(bidId);
        assertThat(bid.token()).as("the bid is placed with the developer's own token").isEqualTo(alice.token);
        assertThat(bid.spec().resources().cpuMillis()).isEqualTo(300);
        assertThat(bid.spec().resources().memoryMiB()).isEqualTo(256);
        assertThat(bid.spec().replicas()).isEqualTo(2);
        List<String> providers = alice.get(deployments() + "/" + id).extract().path("placed.provider");
        assertThat(providers).doesNotHaveDuplicates().hasSize(2);
        List<String> endpoints = alice.get(deployments() + "/" + id).extract().path("placed.endpoint");
        assertThat(endpoints).containsExactlyInAnyOrder("http://agent-0.test:8090", "http://agent-1.test:8090");
    }

    @Test
    void aDeveloperBillingWillNotCollectForGets402AndNothingIsBidFor() {
        Address me = Address.parse(alice.address());
        int bids = MarketplaceStub.BIDS.size();
        try {
            for (String reason : List.of(CreditView.NOT_AUTHORIZED, CreditView.BELOW_FLOOR)) {
                BillingStub.CREDIT.put(me.value().toLowerCase(), BillingStub.refused(me, reason));
                int asked = BillingStub.ASKED.get();
                alice.post(deployments(), order(1, 1, "eu")).statusCode(402)
                        .body("type", equalTo("urn:agora:problem:payment-required")).body("reason", equalTo(reason))
                        .body("spendable", equalTo("-500")).body("detail", containsString(name));
                assertThat(BillingStub.ASKED.get()).as("billing was asked, with the developer's own token").isEqualTo(asked + 1);
            }
        } finally {
            BillingStub.CREDIT.remove(me.value().toLowerCase());
        }
        assertThat(MarketplaceStub.BIDS).as("no bid placed").hasSize(bids);
        alice.get(deployments()).statusCode(200).body("$", hasSize(0));
        // in good standing again: the same order deploys
        alice.post(deployments(), order(1, 1, "eu")).statusCode(201).body("status", equalTo("ACTIVE"));
    }

    @Test
    void billingsAnswerToADeploymentResumesCallsAnEarlierDecisionPaused() {
        Address me = Address.parse(alice.address());
        admission.creditDecided(me.value(), true, java.time.Instant.now().minusSeconds(1), "earlier-" + UUID.randomUUID(), null);
        org.junit.jupiter.api.Assertions.assertThrows(CallAdmission.CreditExhaustedException.class,
                () -> admission.checkCredit(name, me));
        alice.post(deployments(), order(1, 1, "eu")).statusCode(201);
        admission.checkCredit(name, me); // billing answered "not paused" just now: calls go through
    }

    @Test
    void whenBillingCannotAnswerNothingIsDeployed() {
        int bids = MarketplaceStub.BIDS.size();
        BillingStub.DOWN.set(true);
        try {
            alice.post(deployments(), order(1, 1, "eu")).statusCode(503)
                    .body("type", equalTo("urn:agora:problem:billing-unavailable"));
        } finally {
            BillingStub.DOWN.set(false);
        }
        assertThat(MarketplaceStub.BIDS).hasSize(bids);
        alice.get(deployments()).statusCode(200).body("$", hasSize(0));
    }

    @Test
    void aPendingDeploymentShowsTheMarketplacesReasonsThenBecomesActive() {
        alice.post(deployments(), order(1, 1, "eu")).statusCode(201).body("status", equalTo("ACTIVE"));
        // the new version waits for providers while version 1 keeps its replica
        String pending = alice.post(deployments(), order(null, 1, "nowhere")).statusCode(201)
                .body("version", equalTo(2)).body("status", equalTo("PENDING"))
                .body("reasons", equalTo(List.of("NO_PROVIDER_IN_REGION"))).body("placed", hasSize(0))
                .extract().path("id");
        alice.get(deployments()).statusCode(200).body("version", equalTo(List.of(2, 1)))
                .body("status", equalTo(List.of("PENDING", "ACTIVE")));
        UUID bidId = UUID.fromString(alice.get(deployments() + "/" + pending).extract().path("bidId"));
        MarketplaceStub.fill(bidId);
        alice.get(deployments() + "/" + pending).statusCode(200).body("status", equalTo("ACTIVE"))
                .body("reasons", hasSize(0)).body("placed", hasSize(1));
        // rollback = deploying the earlier version again
        alice.post(deployments(), order(1, 1, "eu")).statusCode(201).body("version", equalTo(1))
                .body("status", equalTo("ACTIVE"));
        alice.get(deployments()).body("$", hasSize(3));
    }

    @Test
    void deletingAFunctionWithdrawsItsDeployments() {
        alice.post(deployments(), order(1, 2, "eu")).statusCode(201);
        String pending = alice.post(deployments(), order(2, 1, "nowhere")).statusCode(201).extract().path("id");
        UUID pendingBid = UUID.fromString(alice.get(deployments() + "/" + pending).extract().path("bidId"));
        List<UUID> leases = MarketplaceStub.LEASES.values().stream()
                .filter(l -> MarketplaceStub.BIDS.get(l.bidId()).token().equals(alice.token)).map(LeaseView::id).toList();
        assertThat(leases).hasSize(2);

        alice.delete("/api/v1/functions/" + name).statusCode(204);
        assertThat(leases).allSatisfy(l -> assertThat(MarketplaceStub.LEASES.get(l).state()).isEqualTo(LeaseState.CLOSED));
        assertThat(MarketplaceStub.BIDS.get(pendingBid).view().status().name()).isEqualTo("CANCELLED");
        alice.get(deployments()).statusCode(404).body("type", equalTo("urn:agora:problem:function-not-found"));
    }

    void refused(Developer who, String path, Object body, int status, String type, String detail) {
        List<Long> before = Rows.counts(dataSource);
        who.post(path, body).statusCode(status).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:" + type)).body("detail", containsString(detail));
        assertThat(Rows.counts(dataSource)).as("rows, stored objects and bids").isEqualTo(before);
    }

    @Test
    void badDeploymentsAreProblemsAndPlaceNoBid() {
        refused(alice, "/api/v1/functions/no-such-fn/deployments", order(1, 1, "eu"), 404, "function-not-found", "no-such-fn");
        refused(alice, deployments(), order(7, 1, "eu"), 404, "version-not-found", "no version 7");
        refused(alice, deployments(), order(1, 0, "eu"), 400, "invalid-deployment", "replicas must be between 1 and 16");
        refused(alice, deployments(), order(1, 17, "eu"), 400, "invalid-deployment", "replicas");
        Map<String, Object> noPrices = order(1, 1, "eu");
        noPrices.remove("maxPrices");
        refused(alice, deployments(), noPrices, 400, "invalid-deployment", "maxPrices is required");
        Map<String, Object> extra = order(1, 1, "eu");
        extra.put("colour", "blue");
        refused(alice, deployments(), extra, 400, "invalid-body", "colour");
        // the marketplace's own refusal travels back; the stub keeps no bid for it and nothing is recorded
        refused(alice, deployments(), order(1, 1, "refused"), 400, "bid-refused", "maxPrices must name every unit price");
    }

    @Test
    void anotherDeveloperCannotDeployOrSeeDeployments() {
        String id = alice.post(deployments(), order(1, 1, "eu")).statusCode(201).extract().path("id");
        Developer mallory = Developer.signedIn();
        refused(mallory, deployments(), order(1, 1, "eu"), 404, "function-not-found", name);
        mallory.get(deployments()).statusCode(404).body("type", equalTo("urn:agora:problem:function-not-found"));
        mallory.get(deployments() + "/" + id).statusCode(404).body("type", equalTo("urn:agora:problem:function-not-found"));
        alice.get(deployments() + "/" + UUID.randomUUID()).statusCode(404)
                .body("type", equalTo("urn:agora:problem:deployment-not-found"));
        List<Long> before = Rows.counts(dataSource);
        mallory.delete("/api/v1/functions/" + name).statusCode(404);
        assertThat(Rows.counts(dataSource)).isEqualTo(before);
        alice.get(deployments() + "/" + id).statusCode(200).body("status", equalTo("ACTIVE"));
    }
}
