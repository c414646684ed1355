package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.functions.Bundles;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.testsupport.EventKeys;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway stops routing to a replica whose lease closed (marketplace.leases.v1) or whose agent fails health checks. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class ReplicaHealthTest extends TwoReplicaDeployment {

    /**
     * A replica just added (a scale-up, a replacement) may get a call before its agent has heard of its lease: the
     * agent refuses it unrun ({@code 404 lease-not-held}) and the call goes to the next replica instead of failing;
     * with no replica left it is {@code 503 no-replica-reachable}, not the agent's refusal.
     */
    @Test
    void aCallRefusedForALeaseItsAgentDoesNotHoldYetGoesToTheNextReplica() {
        String secondProvider = second.provider.address().checksummed();
        first.holdsLeases = false;
        for (int i = 0; i < 3; i++) {
            assertThat(callProvider()).isEqualTo(secondProvider);
        }
        assertThat(first.calls).as("nothing ran on the agent without the lease").isEmpty();
        second.holdsLeases = false;
        given().body("x").when().post("/fn/" + name + "/x").then().statusCode(503)
                .body("type", equalTo("urn:agora:problem:no-replica-reachable"));
        first.holdsLeases = true;
        assertThat(callProvider()).isEqualTo(first.provider.address().checksummed());
    }

    @Test
    void anAgentFailingHealthChecksGetsNoCallsUntilItPassesAgain() throws Exception {
        String firstProvider = first.provider.address().checksummed();
        String secondProvider = second.provider.address().checksummed();
        assertThat(callProvider()).isEqualTo(firstProvider);
        first.healthy = false;
        await(() -> callProvider().equals(secondProvider));
        int before = first.calls.size();
        for (int i = 0; i < 5; i++) {
            assertThat(callProvider()).isEqualTo(secondProvider);
        }
        assertThat(first.calls).hasSize(before);
        first.healthy = true;
        await(() -> callProvider().equals(firstProvider));
    }

    @Test
    void aClosedLeaseStopsItsReplicaAtOnce() throws Exception {
        String firstProvider = first.provider.address().checksummed();
        LeaseView lease = MarketplaceStub.LEASES.values().stream()
                .filter(l -> l.providerEndpoint().equals(first.endpoint())).findFirst().orElseThrow();
        assertThat(callProvider()).isEqualTo(firstProvider);
        LeaseView closed = new LeaseView(lease.id(), lease.bidId(), lease.owner(), lease.provider(), lease.providerEndpoint(),
                lease.kind(), lease.resources(), lease.prices(), LeaseState.CLOSED, lease.createdAt(), Instant.now(),
                lease.provider(), "provider left");
        MarketplaceStub.LEASES.put(lease.id(), closed); // as the marketplace itself now answers
        publish(EventEnvelope.of(MarketEvents.LEASE_CLOSED, MarketEvents.SOURCE, Instant.now(), lease.id().toString(), closed));
        await(() -> !callProvider().equals(firstProvider));
        int before = first.calls.size();
        for (int i = 0; i < 5; i++) {
            assertThat(callProvider()).isEqualTo(second.provider.address().checksummed());
        }
        assertThat(first.calls).hasSize(before);
    }

    @Test
    void aLostReplicaIsReplacedAtOnceByABidOwnedByTheDeveloper() throws Exception {
        LeaseView lease = MarketplaceStub.LEASES.values().stream()
                .filter(l -> l.providerEndpoint().equals(first.endpoint())).findFirst().orElseThrow();
        LeaseView closed = new LeaseView(lease.id(), lease.bidId(), lease.owner(), lease.provider(), lease.providerEndpoint(),
                lease.kind(), lease.resources(), lease.prices(), LeaseState.CLOSED, lease.createdAt(), Instant.now(),
                lease.provider(), "provider left");
        int bidsBefore = MarketplaceStub.BIDS.size();
        MarketplaceStub.LEASES.put(lease.id(), closed);
        publish(EventEnvelope.of(MarketEvents.LEASE_CLOSED, MarketEvents.SOURCE, Instant.now(), lease.id().toString(), closed));

        // no read by the developer: the lease event alone brings the replacement bid
        await(() -> MarketplaceStub.BIDS.size() == bidsBefore + 1);
        MarketplaceStub.Held original = MarketplaceStub.BIDS.get(lease.bidId());
        MarketplaceStub.Held replacement = MarketplaceStub.BIDS.values().stream()
                .filter(h -> !h.view().id().equals(lease.bidId()) && MarketplaceStub.sameOwner(h.token(), dev.token))
                .findFirst().orElseThrow();
        assertThat(MarketplaceStub.subject(replacement.token())).as("the bid belongs to the developer who pays")
                .isEqualToIgnoringCase(MarketplaceStub.subject(dev.token));
        assertThat(replacement.spec().replicas()).isEqualTo(1);
        assertThat(replacement.spec().maxPrices()).isEqualTo(original.spec().maxPrices());
        // same region and attributes, and off the provider that still holds the other replica
        assertThat(replacement.spec().constraints()).isEqualTo(original.spec().constraints()
                .avoiding(List.of(second.provider.address())));
        assertThat(replacement.spec().resources()).isEqualTo(original.spec().resources());
        // the replacement replica serves, and reading or replaying the event places nothing more
        List<Map<String, String>> placed = dev.get("/api/v1/functions/" + name + "/deployments").statusCode(200)
                .body("[0].status", equalTo("ACTIVE")).extract().path("[0].placed");
        assertThat(placed).hasSize(2).noneMatch(p -> p.get("leaseId").equals(lease.id().toString()));
        publish(EventEnvelope.of(MarketEvents.LEASE_CLOSED, MarketEvents.SOURCE, Instant.now(), lease.id().toString(), closed));
        dev.get("/api/v1/functions/" + name + "/deployments").statusCode(200);
        // a marker behind the replay on the topic's one partition: the second replica's lease closes too, which bids
        // once; when that bid is there the replay has been read, and it placed nothing
        LeaseView other = MarketplaceStub.LEASES.values().stream()
                .filter(l -> l.providerEndpoint().equals(second.endpoint())).findFirst().orElseThrow();
        LeaseView otherClosed = new LeaseView(other.id(), other.bidId(), other.owner(), other.provider(),
                other.providerEndpoint(), other.kind(), other.resources(), other.prices(), LeaseState.CLOSED,
                other.createdAt(), Instant.now(), other.provider(), "provider left");
        MarketplaceStub.LEASES.put(other.id(), otherClosed);
        publish(EventEnvelope.of(MarketEvents.LEASE_CLOSED, MarketEvents.SOURCE, Instant.now(), other.id().toString(),
                otherClosed));
        await(() -> MarketplaceStub.BIDS.size() >= bidsBefore + 2);
        assertThat(MarketplaceStub.BIDS.size()).isEqualTo(bidsBefore + 2);
    }

    static long bidsOf(Developer developer) {
        return MarketplaceStub.BIDS.values().stream().filter(h -> MarketplaceStub.sameOwner(h.token(), developer.token)).count();
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("condition not reached in 20 s");
    }

    static void publish(EventEnvelope<LeaseView> event) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(EventKeys.signed(Topics.MARKETPLACE_LEASES, event.subject(), JsonCodec.write(event)));
            producer.flush();
        }
    }
}
