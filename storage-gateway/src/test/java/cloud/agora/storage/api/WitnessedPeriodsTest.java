package cloud.agora.storage.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.usage.StoragePeriods;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.storage.domain.replica.Replica;
import cloud.agora.storage.integration.agent.StorageAgentServer;
import cloud.agora.storage.persistence.ReplicaRepository;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Replicas are paid by the owner of the pin, and each storage period a replica held is witnessed for billing: with a
 * storage period of one second and an audit round every second (the scheduler's, not the test's), the agents of
 * healthy replicas receive, after each passed audit, the periods that ended since the last witness, each a
 * {@link StoragePeriods#receipt} for the lease, its provider and the pin's owner counter-signed by the gateway's key
 * — every period from the one containing the replica's creation, each once. A replica that fails its audit receives
 * no witness for any period after its last passed audit, while the others keep receiving theirs.
 */
@QuarkusTest
@TestProfile(WitnessedPeriodsTest.ShortPeriods.class)
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(ReplicationResource.class)
class WitnessedPeriodsTest {

    static final Duration PERIOD = Duration.ofSeconds(1);

    /** One-second storage periods, audited every second. */
    public static class ShortPeriods implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agora.storage.replication.storage-period", "PT1S",
                    "agora.storage.replication.audit-interval", "1s");
        }
    }

    private final String alice = Tokens.tokenFor(Tokens.ALICE);

    @Inject
    ReplicaRepository replicas;

    @Inject
    Transactions tx;

    private RequestSpecification asAlice() {
        return given().auth().oauth2(alice).contentType("application/json");
    }

    /** A pinned request and its CID. */
    private record Pin(String cid, String requestId) {
    }

    private Pin pinned(int size, long seed, int replication) {
        byte[] file = new byte[size];
        new Random(seed).nextBytes(file);
        String cid = asAlice().contentType("application/octet-stream").body(file).post("/api/v1/objects").then()
                .statusCode(201).extract().path("cid");
        String requestId = asAlice().body(Map.of("cid", cid, "meta", Map.of("replication", String.valueOf(replication))))
                .post("/pins").then().statusCode(202).extract().path("requestid");
        Map<String, Object> settled = await().atMost(Duration.ofSeconds(60)).until(
                () -> asAlice().get("/pins/" + requestId).then().statusCode(200).extract().jsonPath().getMap(""),
                s -> List.of("pinned", "failed").contains(s.get("status")));
        assertThat(settled.get("status")).as(settled.toString()).isEqualTo("pinned");
        return new Pin(cid, requestId);
    }

    private static List<LeaseView> activeLeases() {
        return ReplicationResource.market.leases().stream().filter(l -> l.state() == LeaseState.ACTIVE).toList();
    }

    private static StorageAgentServer agentOf(LeaseView lease) {
        return ReplicationResource.AGENTS.stream().filter(a -> a.endpoint().equals(lease.providerEndpoint())).findFirst()
                .orElseThrow();
    }

    private Replica replica(LeaseView lease) {
        return tx.read(c -> replicas.ofLease(c, lease.id())).orElseThrow();
    }

    /**
     * Checks what the lease's agent received: every period a {@code PERIOD}-long period, ended before the call that
     * carried it, witnessed by the gateway's key over the receipt of (lease, provider, {@code payer}, start); no period
     * twice; and together, without a gap, every period from the one containing the replica's creation.
     *
     * @return the starts received, in order
     */
    private List<Instant> witnessedOnce(LeaseView lease, Address payer) {
        StorageAgentServer agent = agentOf(lease);
        List<StorageAgentServer.PeriodsCall> calls = agent.periodsCalls().stream()
                .filter(c -> c.leaseId().equals(lease.id())).toList();
        for (StorageAgentServer.PeriodsCall call : calls) {
            assertThat(call.periods()).isNotEmpty().allSatisfy(w -> {
                assertThat(w.periodMillis()).isEqualTo(PERIOD.toMillis());
                assertThat(w.start().plus(PERIOD)).as("a witnessed period has ended").isBeforeOrEqualTo(call.received());
                UsageReceipt receipt = StoragePeriods.receipt(lease.id(), lease.provider(), payer, w.start(), PERIOD);
                UsageReceipt witnessed = new UsageReceipt(receipt.invocationId(), receipt.leaseId(), receipt.provider(),
                        receipt.consumer(), 0, 0, 0, receipt.wallMillis(), 0, 0, receipt.startedAt(), receipt.endedAt(),
                        null, null, w.gatewaySignature());
                assertThat(witnessed.gatewaySigner()).as("the witness of the period starting at %s", w.start())
                        .isEqualTo(ReplicationResource.gateway);
            });
        }
        List<Instant> starts = calls.stream().flatMap(c -> c.periods().stream()).map(StoragePeriods.Witnessed::start)
                .toList();
        assertThat(starts).as("periods witnessed for lease %s", lease.id()).doesNotHaveDuplicates();
        Instant first = StoragePeriods.periodStart(replica(lease).created(), PERIOD);
        assertThat(starts).as("from the period containing the replica's creation, without a gap")
                .containsExactlyElementsOf(java.util.stream.Stream.iterate(first, s -> s.plus(PERIOD)).limit(starts.size())
                        .toList());
        return starts;
    }

    @Test
    void theAgentsOfHealthyReplicasReceiveEveryEndedPeriodOnceWitnessedForTheLeaseProviderAndPinOwner() {
        Pin pin = pinned(700_000, 31, 2);
        List<LeaseView> leases = activeLeases().stream()
                .filter(l -> replica(l).root().equals(Cid.parse(pin.cid()))).toList();
        assertThat(leases).hasSize(2);
        // bought with the pin's owner as payer: it owns the leases, the gateway brokered them
        assertThat(leases).allSatisfy(l -> {
            assertThat(l.owner()).isEqualTo(Tokens.ALICE);
            assertThat(ReplicationResource.market.brokerOf(l.id())).isEqualTo(ReplicationResource.gateway);
            assertThat(replica(l).payer()).isEqualTo(Tokens.ALICE);
        });

        for (LeaseView lease : leases) {
            await().atMost(Duration.ofSeconds(60)).until(() -> agentOf(lease).witnessedPeriods(lease.id()).size() >= 4);
        }
        for (LeaseView lease : leases) {
            // the gateway moves its mark only once the agent took the periods up to it
            Instant mark = replica(lease).witnessedUntil();
            List<Instant> starts = witnessedOnce(lease, Tokens.ALICE);
            assertThat(starts).hasSizeGreaterThanOrEqualTo(4);
            assertThat(starts.get(starts.size() - 1).plus(PERIOD)).isAfterOrEqualTo(mark);
        }
        asAlice().delete("/pins/" + pin.requestId()).then().statusCode(202);
    }

    @Test
    void aReplicaThatFailedItsAuditReceivesNoWitnessForAnyPeriodAfterIt() {
        Pin pin = pinned(700_000, 32, 2);
        List<LeaseView> leases = activeLeases().stream()
                .filter(l -> replica(l).root().equals(Cid.parse(pin.cid()))).toList();
        assertThat(leases).hasSize(2);
        LeaseView failing = leases.get(0);
        LeaseView healthy = leases.get(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> !agentOf(failing).witnessedPeriods(failing.id()).isEmpty());

        // the provider loses its copy: its next challenge has no answer
        try {
            agentOf(failing).turnLazy(failing.id().toString(), sealed -> Optional.empty());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> replica(failing).state() == Replica.State.FAILED);
        Instant failedBy = Instant.now();
        Replica failed = replica(failing);
        List<StoragePeriods.Witnessed> beforeFailure = agentOf(failing).witnessedPeriods(failing.id());
        assertThat(beforeFailure).as("periods it was paid for while it passed").isNotEmpty();

        // the others are witnessed on, for periods that ended after the failure
        await().atMost(Duration.ofSeconds(60)).until(() -> agentOf(healthy).witnessedPeriods(healthy.id()).stream()
                .anyMatch(w -> !w.start().isBefore(failedBy)));

        assertThat(agentOf(failing).witnessedPeriods(failing.id())).as("witnessed after the failure")
                .isEqualTo(beforeFailure);
        assertThat(beforeFailure).allSatisfy(w -> assertThat(w.start().plus(PERIOD))
                .as("a witnessed period ended by the last audit it passed").isBeforeOrEqualTo(failed.audited()));
        witnessedOnce(failing, Tokens.ALICE);
        witnessedOnce(healthy, Tokens.ALICE);
        LeaseView closed = ReplicationResource.market.leases().stream().filter(l -> l.id().equals(failing.id()))
                .findFirst().orElseThrow();
        assertThat(closed.state()).isEqualTo(LeaseState.CLOSED);
        assertThat(closed.closeReason()).isEqualTo("audit-failed");
        asAlice().delete("/pins/" + pin.requestId()).then().statusCode(202);
    }
}
