package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.functions.Bundles;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DNS rebinding against the endpoint check: an agent's host name answers a public address to the gateway's check and
 * an internal one to any later lookup. The gateway connects to the address it checked, so the call, its grant and
 * the health probes reach the checked agent, and nothing reaches the internal service behind the later answer.
 *
 * <p>The host is {@code localhost}: the check's resolver ({@link RebindingHosts}) answers {@value #PUBLIC}, the
 * system's answers 127.0.0.1, where a stand-in "internal service" listens on the same port. {@value #PUBLIC} is a
 * public address put on a veth interface of this host for the test, so connections to it stay here (root only; the
 * test is skipped where interfaces cannot be added).
 */
@QuarkusTest
@TestProfile(DnsRebindingTest.Rebinding.class)
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class DnsRebindingTest {

    /** What the rebinding name server tells the check. */
    static final String PUBLIC = "192.88.99.7";
    private static final String LINK = "agora-rebind0";

    /** A gateway on a public network, whose check asks the rebinding name server. */
    public static class Rebinding implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agora.functions.local-network", "false");
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(RebindingHosts.class);
        }
    }

    static AgentStub checked;
    static AgentStub internal;

    @BeforeAll
    static void network() throws Exception {
        Assumptions.assumeTrue(ip("link", "add", LINK, "type", "veth", "peer", "name", LINK + "p")
                && ip("addr", "add", PUBLIC + "/32", "dev", LINK) && ip("link", "set", LINK, "up"),
                "cannot add a veth interface here (not root?)");
        // the internal service takes a free loopback port; the checked agent the same port on the new address
        internal = new AgentStub(new InetSocketAddress("127.0.0.1", 0), null);
        checked = new AgentStub(new InetSocketAddress(PUBLIC, internal.port()), "http://localhost:" + internal.port());
    }

    @AfterAll
    static void removeNetwork() throws Exception {
        if (checked != null) {
            checked.close();
        }
        if (internal != null) {
            internal.close();
        }
        ip("link", "del", LINK);
    }

    private static boolean ip(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    }

    @Test
    void aHostThatRebindsAfterTheCheckStillReachesOnlyTheCheckedAddress() throws Exception {
        Developer dev = Developer.signedIn();
        String name = "rebind-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        dev.deployOn(name, checked.endpoint());

        given().body("hello").when().post("/fn/" + name + "/x").then().statusCode(200)
                .header("Agora-Provider", checked.provider.address().checksummed());
        // the probes (every 200 ms here) go where the call went: two more rounds reach the checked agent
        int probed = checked.probes.get();
        ReplicaHealthTest.await(() -> checked.probes.get() >= probed + 2);
        assertThat(checked.calls).hasSize(1);
        // nothing reached what the host's later answer points at: no call, no grant, no probe
        assertThat(internal.requests.get()).isZero();
        assertThat(internal.calls).isEmpty();
    }
}
