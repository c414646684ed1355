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
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** The gateway stops routing to a replica whose lease closed (marketplace.leases.v1) or whose agent fails health checks. */
/**
 * An agent that fails every health probe for {@code replace-unhealthy-after} is given up: its replica's lease is
 * closed for the developer and a replacement is bid for. In its own application (a profile with a 4 s delay) so
 * that no other test's stopped stand-in agents are being replaced meanwhile.
 */
@QuarkusTest
@TestProfile(UnhealthyAgentReplacementTest.ReplaceQuickly.class)
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class UnhealthyAgentReplacementTest extends TwoReplicaDeployment {

    /** Gives up an agent after 4 s of failed probes (the other tests' profile waits an hour). */
    public static class ReplaceQuickly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agora.functions.replace-unhealthy-after", "4s");
        }
    }

    @Test
    void anAgentDownForLongHasItsLeaseClosedForTheDeveloperAndItsReplicaReplaced() throws Exception {
        LeaseView lease = MarketplaceStub.LEASES.values().stream()
                .filter(l -> l.providerEndpoint().equals(first.endpoint())).findFirst().orElseThrow();
        AgentStub third = new AgentStub();
        MarketplaceStub.endpoints = List.of(third.endpoint()); // where the marketplace places the replacement
        try {
        first.healthy = false; // fails every probe from now on (replace-unhealthy-after is 4 s in tests)

        ReplicaHealthTest.await(() -> MarketplaceStub.LEASES.get(lease.id()).state() == LeaseState.CLOSED);
        ReplicaHealthTest.await(() -> ReplicaHealthTest.bidsOf(dev) == 2); // the deployment's bid and one replacement
        MarketplaceStub.Held replacement = MarketplaceStub.BIDS.values().stream()
                .filter(h -> !h.view().id().equals(lease.bidId()) && MarketplaceStub.sameOwner(h.token(), dev.token))
                .findFirst().orElseThrow();
        assertThat(replacement.spec().replicas()).isEqualTo(1);
        assertThat(replacement.spec().constraints().avoidProviders()).as("off the provider of the surviving replica")
                .containsExactly(second.provider.address());
        int calls = first.calls.size();
        for (int i = 0; i < 5; i++) {
            assertThat(callProvider()).isNotEqualTo(first.provider.address().checksummed());
        }
        assertThat(first.calls).hasSize(calls);
        // two more health rounds (each probes the surviving replica) decide nothing more
        int probed = second.probes.get();
        ReplicaHealthTest.await(() -> second.probes.get() >= probed + 3);
        assertThat(ReplicaHealthTest.bidsOf(dev)).as("the original bid and one replacement, no more").isEqualTo(2);
        } finally {
            MarketplaceStub.endpoints = List.of();
            third.close();
        }
    }

}
