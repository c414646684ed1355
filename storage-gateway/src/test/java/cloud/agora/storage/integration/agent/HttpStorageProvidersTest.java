package cloud.agora.storage.integration.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.invocation.StorageGrant;
import cloud.agora.protocol.usage.StoragePeriods;
import cloud.agora.storage.domain.replica.AgentCallException;
import cloud.agora.storage.domain.replica.AgentCallException.Failure;
import cloud.agora.storage.domain.replica.ReplicationException;
import cloud.agora.storage.domain.replica.StorageLease;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * The gateway's side of the agents' storage role, against a real HTTP agent stand-in that verifies storage grants
 * as an agent does: every call (blocks, challenges, witnessed periods, deletion) carries a grant for exactly its
 * lease and provider, signed by the gateway's key;
 * endpoints the gateway must not call are not called at all; answers larger than anything an agent may send are
 * refused without being read whole.
 */
class HttpStorageProvidersTest {

    static final byte[] BLOCK = "hello world\n".getBytes(StandardCharsets.US_ASCII);
    static final Cid CID = Cid.parse("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");

    @TempDir
    Path dir;

    ECKeyPair gatewayKey;
    Address gateway;
    Address provider = Address.parse("0x00000000000000000000000000000000000a9e01");
    StorageAgentServer agent;
    StorageLease lease;

    @BeforeEach
    void agent() throws Exception {
        gatewayKey = Keys.createEcKeyPair();
        gateway = PersonalSignature.addressOf(gatewayKey);
        agent = new StorageAgentServer(dir, provider, Set.of(gateway));
        lease = new StorageLease(UUID.randomUUID(), provider.toString(), agent.endpoint());
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    HttpStorageProviders gateway(boolean localNetwork) {
        return new HttpStorageProviders(Duration.ofSeconds(10), localNetwork,
                new StorageGrants(() -> gatewayKey, Duration.ofSeconds(60), Clock.systemUTC()));
    }

    @Test
    void everyCallCarriesTheGatewaysGrantForThatLeaseAndProvider() throws Exception {
        HttpStorageProviders providers = gateway(true);
        putOnceTheAgentHoldsTheLease(providers);
        assertThat(providers.get(lease, CID)).hasValueSatisfying(b -> assertThat(b).isEqualTo(BLOCK));
        assertThat(providers.challenge(lease, CID, new byte[32])).hasSize(64);
        StoragePeriods.Witnessed period = witnessedPeriod();
        assertThat(providers.witness(lease, List.of(period))).as("periods the agent took").isEqualTo(1);
        assertThat(agent.witnessedPeriods(lease.leaseId())).containsExactly(period);
        providers.delete(lease);

        assertThat(agent.refusedGrants()).isEmpty();
        // every request: the 2 answered lease-not-held (the puts @Retry repeats), then put, get, challenge, periods, delete
        assertThat(agent.acceptedGrants()).hasSize(agent.requests()).hasSize(7).allSatisfy(g -> {
            assertThat(g.leaseId()).isEqualTo(lease.leaseId());
            assertThat(g.provider()).isEqualTo(provider);
        });
        assertThat(agent.acceptedGrants().stream().map(StorageGrant::toToken).distinct()).as("one grant, reused").hasSize(1);
    }

    @Test
    void anAgentThatTrustsAnotherGatewayRefusesTheCallsAndTheReplicaFails() throws Exception {
        // the stand-in really checks: a key it does not trust is refused (so the grant test above can fail)
        ECKeyPair other = Keys.createEcKeyPair();
        HttpStorageProviders impostor = new HttpStorageProviders(Duration.ofSeconds(10), true,
                new StorageGrants(() -> other, Duration.ofSeconds(60), Clock.systemUTC()));
        assertThatThrownBy(() -> impostor.put(lease, CID, BLOCK)).isInstanceOf(ReplicationException.class)
                .hasMessageContaining("401").hasMessageContaining("grant-forged")
                .isInstanceOfSatisfying(AgentCallException.class, e -> assertThat(e.failure()).isEqualTo(Failure.REFUSED));
        assertThat(agent.blocks(lease.leaseId().toString())).isZero();
    }

    @Test
    void aChallengeUnansweredWithinItsDeadlineIsLate() throws Exception {
        HttpStorageProviders providers = new HttpStorageProviders(Duration.ofSeconds(1), true,
                new StorageGrants(() -> gatewayKey, Duration.ofSeconds(60), Clock.systemUTC()));
        putOnceTheAgentHoldsTheLease(providers);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        agent.holdChallengesFor(lease.leaseId().toString(), release);
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> providers.challenge(lease, CID, new byte[32]))
                    .isInstanceOf(ReplicationException.class).hasMessageContaining("did not answer within PT1S")
                    .isInstanceOfSatisfying(AgentCallException.class,
                            e -> assertThat(e.failure()).isEqualTo(Failure.LATE));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("given up near the deadline, not at the agent's will")
                    .isLessThan(Duration.ofSeconds(20));
        } finally {
            release.countDown();
        }
    }

    @Test
    void anAgentThatIsNotListeningIsUnreachable() {
        HttpStorageProviders providers = gateway(true);
        agent.close();
        assertThatThrownBy(() -> providers.challenge(lease, CID, new byte[32])).isInstanceOf(ReplicationException.class)
                .hasMessageContaining("cannot reach agent " + agent.endpoint())
                .isInstanceOfSatisfying(AgentCallException.class,
                        e -> assertThat(e.failure()).isEqualTo(Failure.UNREACHABLE));
    }

    @Test
    void anEndpointReachingTheLocalNetworkIsNeverCalled() {
        HttpStorageProviders providers = gateway(false);
        String port = agent.endpoint().substring(agent.endpoint().lastIndexOf(':'));
        for (String endpoint : List.of(agent.endpoint(), "http://localhost" + port, "http://[::1]" + port,
                "http://10.0.0.7:8090", "http://169.254.169.254", "http://192.168.1.1:8090", "http://0.0.0.0" + port)) {
            StorageLease at = new StorageLease(lease.leaseId(), lease.provider(), endpoint);
            everyCallRefused(providers, at, "not a public address");
        }
        assertThat(agent.requests()).as("requests the agent received").isZero();
    }

    @Test
    void anEndpointThatIsNotAPlainOriginIsNeverCalledEvenOnALocalNetwork() {
        HttpStorageProviders providers = gateway(true);
        String hostPort = agent.endpoint().substring("http://".length());
        for (String endpoint : List.of(agent.endpoint() + "/api/v1/admin", agent.endpoint() + "?x=1",
                agent.endpoint() + "#", "http://user:pw@" + hostPort, "file:///etc/passwd")) {
            StorageLease at = new StorageLease(lease.leaseId(), lease.provider(), endpoint);
            everyCallRefused(providers, at, "agent endpoint refused");
        }
        assertThat(agent.requests()).as("requests the agent received").isZero();
    }

    @Test
    void aBlockAnswerLargerThanTheLargestBlockIsRefusedWithoutReadingItWhole() throws Exception {
        HttpStorageProviders providers = gateway(true);
        putOnceTheAgentHoldsTheLease(providers);
        long size = 256L << 20;
        agent.answerBlocksWith(size);
        assertThatThrownBy(() -> providers.get(lease, CID)).isInstanceOf(ReplicationException.class)
                .hasMessageContaining("longer than the " + HttpStorageProviders.MAX_BLOCK_BYTES + " bytes")
                .isInstanceOfSatisfying(AgentCallException.class,
                        e -> assertThat(e.failure()).isEqualTo(Failure.INVALID_ANSWER));
        long written = agent.oversizedAnswerWritten();
        assertThat(written).as("bytes of the 256 MiB answer the gateway let through before hanging up")
                .isLessThan(size / 4);
    }

    @Test
    void aChallengeAnswerOverItsCapIsRefusedWithoutReadingItWhole() throws Exception {
        HttpStorageProviders providers = gateway(true);
        putOnceTheAgentHoldsTheLease(providers);
        long size = 256L << 20;
        agent.answerChallengesWith(size);
        assertThatThrownBy(() -> providers.challenge(lease, CID, new byte[32])).isInstanceOf(ReplicationException.class)
                .hasMessageContaining("longer than the " + HttpStorageProviders.MAX_ANSWER_BYTES + " bytes")
                .isInstanceOfSatisfying(AgentCallException.class,
                        e -> assertThat(e.failure()).isEqualTo(Failure.INVALID_ANSWER));
        assertThat(agent.oversizedAnswerWritten()).isLessThan(size / 4);
    }

    /**
     * Puts the block as the bean does (here without its interceptor): the stand-in agent learns the lease after two
     * requests, each answered {@code 404 lease-not-held}, which {@code put} reports as {@link LeaseNotHeldException},
     * the one failure its {@code @Retry} repeats (through CDI, every replica of {@code ReplicationTest} is put that
     * way); the third put is stored.
     */
    private void putOnceTheAgentHoldsTheLease(HttpStorageProviders providers) throws Exception {
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> providers.put(lease, CID, BLOCK)).isInstanceOf(LeaseNotHeldException.class)
                    .hasMessageContaining("404").hasMessageContaining("lease-not-held");
        }
        providers.put(lease, CID, BLOCK);
        assertThat(agent.blocks(lease.leaseId().toString())).as("blocks the agent holds").isEqualTo(1);
    }

    /** The last ended hour of the lease, witnessed by the gateway for a payer. */
    private StoragePeriods.Witnessed witnessedPeriod() {
        Duration hour = Duration.ofHours(1);
        Instant start = StoragePeriods.periodStart(Instant.now(), hour).minus(hour);
        return StoragePeriods.Witnessed.of(StoragePeriods.receipt(lease.leaseId(), provider,
                Address.parse("0x00000000000000000000000000000000000a11ce"), start, hour).counterSignedByGateway(gatewayKey));
    }

    private void everyCallRefused(HttpStorageProviders providers, StorageLease at, String reason) {
        List<Consumer<StorageLease>> calls = List.of(
                l -> providers.put(l, CID, BLOCK),
                l -> providers.get(l, CID),
                l -> providers.challenge(l, CID, new byte[32]),
                l -> providers.witness(l, List.of(witnessedPeriod())),
                providers::delete);
        for (Consumer<StorageLease> call : calls) {
            assertThatThrownBy(() -> call.accept(at)).as(at.endpoint()).isInstanceOf(ReplicationException.class)
                    .hasMessageContaining(reason).isInstanceOfSatisfying(AgentCallException.class,
                            e -> assertThat(e.failure()).isEqualTo(Failure.ENDPOINT_REFUSED));
        }
    }
}
