package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.BILLING;
import static cloud.agora.launcher.PlatformCalls.FUNCTIONS;
import static cloud.agora.launcher.PlatformCalls.MARKET;
import static cloud.agora.launcher.PlatformCalls.await;
import static cloud.agora.launcher.PlatformCalls.call;
import static cloud.agora.launcher.PlatformCalls.send;
import static cloud.agora.launcher.PlatformCalls.signIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.testsupport.NetworkSplit;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real partition: the platform's provider agent runs in a network namespace of its own with two links to the
 * host. It reaches the marketplace, billing and the storage gateway over one ({@code services}); the functions gateway
 * reaches it over the other ({@code callers}). Cutting or black-holing the services link leaves the agent on one side
 * with the callers: calls keep being answered there, the agent journals their receipts, and it is SIGKILLed and
 * started again during the split, with the leases it last heard of from its snapshot. After each heal the agent ships
 * what it journaled and its anti-entropy with billing agrees on the lease's day: billing holds exactly the agent's
 * receipts, rates each answered call once, and the voucher is the sum of the proven charges, to the wei.
 */
class PartitionIT {

    static final String FUNCTION = "split-echo";
    static final int AGENT_PORT = Platform.AGENT_PORT;

    @TempDir
    Path state;

    @TempDir
    Path work;

    @Test
    void callsAreAnsweredOnTheAgentsSideOfACutAndOfABlackHoleAndBillingConvergesToItsReceipts() throws Exception {
        assumeTrue(NetworkSplit.available(), "root, ip netns, tc and nsenter");
        try (LocalPlatform platform = new LocalPlatform(state)
                // the agent in its own network namespace reaches the services at the host's end of its link
                .withEnv("AGORA_LISTEN", "0.0.0.0")
                // the gateway probes the agent every second; it never gives the replica up during the test
                .withEnv("AGORA_FUNCTIONS_HEALTH_INTERVAL", "1s")
                .withEnv("AGORA_FUNCTIONS_REPLACE_UNHEALTHY_AFTER", "1h")
                .start();
                NetworkSplit split = NetworkSplit.create()) {
            NetworkSplit.Link services = split.link();
            NetworkSplit.Link callers = split.addLink();
            PartProcess agent = PartProcess.of("provider-agent", platform.pid("provider-agent"),
                    state.resolve("logs/provider-agent-split.log")).in(split).with(Map.of(
                            "AGENT_MARKETPLACE_URL", "http://" + services.hostAddress() + ":8081",
                            "AGENT_BILLING_URL", "http://" + services.hostAddress() + ":8082",
                            "AGENT_STORAGE_GATEWAY_URL", "http://" + services.hostAddress() + ":8084",
                            "AGENT_ENDPOINT", "http://" + callers.innerAddress() + ":" + AGENT_PORT,
                            // the broker advertises localhost, which is the namespace's own: receipts go to billing's HTTP API
                            "AGENT_JOURNAL_SINK", "http",
                            "AGENT_JOURNAL_RECONCILE_INTERVAL", "5s",
                            "AGENT_MARKETPLACE_HEARTBEAT_INTERVAL", "2s"), List.of("KAFKA_BOOTSTRAP_SERVERS"));
            agent.terminate(); // the launcher's, on the host's network
            try {
                start(agent);
                String endpoint = "http://" + callers.innerAddress() + ":" + AGENT_PORT;
                String provider = Platform.address(state, "provider");
                String gateway = Address.parse(Platform.address(state, "gateway")).value();
                await("the agent in the market at its new endpoint", Duration.ofSeconds(90),
                        () -> PlatformCalls.getOrNull(MARKET + "/api/v1/providers/" + provider, null),
                        o -> o.path("available").asBoolean(false) && endpoint.equals(o.path("endpoint").asText()));

                Signer developer = Signer.of(KeyFiles.read(state.resolve("keys/developer.key")));
                String token = signIn(FUNCTIONS, developer.key());
                FunctionCalls.fund(state, developer);
                FunctionCalls.publish(token, Map.of("name", FUNCTION, "runtime", "shell", "entrypoint", "handler.sh",
                        "memoryMiB", 64, "cpuMillis", 100), FunctionCalls.echoBundle(work));
                JsonNode deployment = FunctionCalls.deployAndAwaitActive(token, FUNCTION, 1);
                String lease = deployment.get("placed").get(0).get("leaseId").asText();
                assertThat(deployment.get("placed").get(0).get("endpoint").asText()).isEqualTo(endpoint);

                Traffic traffic = new Traffic(FUNCTION);
                List<Traffic.Call> calls = traffic.calls();
                traffic.start();
                traffic.awaitAnswered(Instant.EPOCH, 10, "before the split");

                Split cut = new Split("cut", services::cut);
                Split blackHole = new Split("black hole", services::blackHole);
                for (Split phase : List.of(cut, blackHole)) {
                    String providerBilling = signIn(BILLING, KeyFiles.read(state.resolve("keys/provider.key")));
                    phase.apply.run();
                    Instant splitAt = Instant.now();
                    List<Traffic.Call> during = traffic.awaitAnswered(splitAt, 10, "during the " + phase.name);
                    // the link is really gone: billing never got the receipts of calls answered since
                    assertThat(send("GET", BILLING + "/api/v1/receipts/" + during.get(0).invocation() + "/proof", token, null)
                            .statusCode()).as("billing has no receipt of a call answered during the %s", phase.name)
                            .isEqualTo(404);

                    Instant killed = Instant.now();
                    agent.kill();
                    start(agent);
                    Instant restarted = Instant.now();
                    traffic.awaitAnswered(restarted, 10, "after the agent's restart during the " + phase.name);

                    // no call in flight at the heal: billing is then to converge on the journal as it stands
                    traffic.pause();
                    Path settled = state.resolve("provider-agent/journal/settled.txt");
                    long agreed = agreements(settled, lease); // none is recorded during the split: billing is away
                    services.heal();
                    Instant healed = Instant.now();
                    List<Traffic.Call> answered = traffic.answered();
                    await("billing's root of the lease's day agreeing with the agent's journal after the heal",
                            Duration.ofSeconds(120), () -> agreements(settled, lease) > agreed);
                    Instant converged = Instant.now();
                    // exactly the answered calls are rated, each proven, and their charges are the voucher's amount
                    IndependentBill.Proven bill = IndependentBill.proveInTheNewestVoucher(token, providerBilling,
                            developer.address().checksummed(), provider, gateway,
                            answered.stream().map(Traffic.Call::invocation).toList(), answered.size());
                    assertThat(bill.provenSum()).as("Σ charges").isEqualTo(bill.amount());
                    List<Traffic.Call> cutOff = calls.stream().filter(c -> c.started().isAfter(splitAt)).toList();
                    System.out.printf("partition (%s): %d calls during the split, %d answered (%d after the restart), the agent"
                            + " down %d ms; roots agreed %d ms after the heal, the bill checked after %d ms; %d calls"
                            + " answered in all%n", phase.name, cutOff.size(), cutOff.stream().filter(c -> c.status() == 200).count(),
                            cutOff.stream().filter(c -> c.status() == 200 && c.started().isAfter(restarted)).count(),
                            Duration.between(killed, restarted).toMillis(), Duration.between(healed, converged).toMillis(),
                            Duration.between(healed, Instant.now()).toMillis(), answered.size());
                    assertThat(calls).as("every call before, during and after the %s", phase.name)
                            .allSatisfy(c -> assertThat(c.status() == 200 || c.body().contains("urn:agora:problem:agent-failed")
                                    || c.body().contains("urn:agora:problem:no-replica-reachable"))
                                    .as("%s", c).isTrue());
                    traffic.resume();
                }
                traffic.stop();
            } catch (Throwable failed) {
                platform.keepForInspection("partition-it");
                throw failed;
            } finally {
                agent.stop();
            }
        }
    }

    /** A way to split the services link. */
    record Split(String name, Runnable apply) {
    }

    /**
     * How often the agent's anti-entropy found billing's root of one of the lease's days equal to its journal's: the
     * lease's lines of the journal's {@code settled.txt}, appended only when the roots agree (again after a later
     * receipt).
     */
    private static long agreements(Path settled, String lease) throws java.io.IOException {
        return Files.exists(settled) ? Files.readAllLines(settled).stream().filter(l -> l.startsWith(lease + " ")).count() : 0;
    }

    /** Starts the agent and waits until it is ready, asked from the host over the callers' link. */
    private static void start(PartProcess agent) throws Exception {
        agent.start();
        agent.awaitReady(agent.env("AGENT_ENDPOINT"));
    }
}
