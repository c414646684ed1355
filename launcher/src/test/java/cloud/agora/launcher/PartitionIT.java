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

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.money.Wei;
import cloud.agora.testsupport.NetworkSplit;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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

    /** One call of the traffic: when it started and ended, its status and invocation id (when answered). */
    record Call(Instant started, Instant ended, int status, String invocation, String body) {
    }

    @Test
    void callsAreAnsweredOnTheAgentsSideOfACutAndOfABlackHoleAndBillingConvergesToItsReceipts() throws Exception {
        assumeTrue(NetworkSplit.available(), "root, ip netns, tc and nsenter");
        try (LocalPlatform platform = new LocalPlatform(state)
                // the gateway probes the agent every second; it never gives the replica up during the test
                .withEnv("AGORA_FUNCTIONS_HEALTH_INTERVAL", "1s")
                .withEnv("AGORA_FUNCTIONS_REPLACE_UNHEALTHY_AFTER", "1h")
                .start();
                NetworkSplit split = NetworkSplit.create()) {
            NetworkSplit.Link services = split.link();
            NetworkSplit.Link callers = split.addLink();
            SplitAgent agent = SplitAgent.moveInto(split, platform.pid("provider-agent"),
                    state.resolve("logs/provider-agent-split.log"), Map.of(
                            "AGENT_MARKETPLACE_URL", "http://" + services.hostAddress() + ":8081",
                            "AGENT_BILLING_URL", "http://" + services.hostAddress() + ":8082",
                            "AGENT_STORAGE_GATEWAY_URL", "http://" + services.hostAddress() + ":8084",
                            "AGENT_ENDPOINT", "http://" + callers.innerAddress() + ":" + AGENT_PORT,
                            // the broker advertises localhost, which is the namespace's own: receipts go over HTTPS
                            "AGENT_JOURNAL_SINK", "http",
                            "AGENT_JOURNAL_RECONCILE_INTERVAL", "5s",
                            "AGENT_MARKETPLACE_HEARTBEAT_INTERVAL", "2s"));
            try {
                agent.start();
                String endpoint = "http://" + callers.innerAddress() + ":" + AGENT_PORT;
                String provider = Platform.address(state, "provider");
                String gateway = Address.parse(Platform.address(state, "gateway")).value();
                await("the agent in the market at its new endpoint", Duration.ofSeconds(90),
                        () -> PlatformCalls.getOrNull(MARKET + "/api/v1/providers/" + provider, null),
                        o -> o.path("available").asBoolean(false) && endpoint.equals(o.path("endpoint").asText()));

                Signer developer = Signer.of(KeyFiles.read(state.resolve("keys/developer.key")));
                String token = signIn(FUNCTIONS, developer.key());
                try (Chain chain = Chain.connect(ChainSettings.local(PlatformCalls.CHAIN, 31337))) {
                    Escrow escrow = chain.escrow(Address.parse(Files.readString(state.resolve("anvil/escrow-address")).strip()));
                    escrow.deposit(developer, Wei.parse("1000000000000000000"));
                    escrow.authorize(developer, Address.parse(Platform.address(state, "billing-delegate")),
                            Wei.parse("1000000000000000000"));
                }
                FunctionCalls.publish(token, Map.of("name", FUNCTION, "runtime", "shell", "entrypoint", "handler.sh",
                        "memoryMiB", 64, "cpuMillis", 100), FunctionCalls.echoBundle(work));
                JsonNode deployment = FunctionCalls.deployAndAwaitActive(token, FUNCTION, 1);
                String lease = deployment.get("placed").get(0).get("leaseId").asText();
                assertThat(deployment.get("placed").get(0).get("endpoint").asText()).isEqualTo(endpoint);

                List<Call> calls = new CopyOnWriteArrayList<>();
                Traffic traffic = new Traffic(calls);
                traffic.start();
                awaitAnswered(calls, Instant.EPOCH, 10, "before the split");

                Split cut = new Split("cut", services::cut);
                Split blackHole = new Split("black hole", services::blackHole);
                for (Split phase : List.of(cut, blackHole)) {
                    String providerBilling = signIn(BILLING, KeyFiles.read(state.resolve("keys/provider.key")));
                    phase.apply.run();
                    Instant splitAt = Instant.now();
                    List<Call> during = awaitAnswered(calls, splitAt, 10, "during the " + phase.name);
                    // the link is really gone: billing never got the receipts of calls answered since
                    assertThat(send("GET", BILLING + "/api/v1/receipts/" + during.get(0).invocation() + "/proof", token, null)
                            .statusCode()).as("billing has no receipt of a call answered during the %s", phase.name)
                            .isEqualTo(404);

                    Instant killed = Instant.now();
                    agent.kill();
                    agent.start();
                    Instant restarted = Instant.now();
                    awaitAnswered(calls, restarted, 10, "after the agent's restart during the " + phase.name);

                    // no call in flight at the heal: billing is then to converge on the journal as it stands
                    traffic.pause();
                    Path settled = state.resolve("provider-agent/journal/settled.txt");
                    long agreed = agreements(settled, lease); // none is recorded during the split: billing is away
                    services.heal();
                    Instant healed = Instant.now();
                    List<Call> answered = calls.stream().filter(c -> c.status() == 200).toList();
                    await("billing's root of the lease's day agreeing with the agent's journal after the heal",
                            Duration.ofSeconds(120), () -> agreements(settled, lease) > agreed);
                    Instant converged = Instant.now();
                    checkTheBill(token, providerBilling, developer, provider, gateway, answered);
                    List<Call> cutOff = calls.stream().filter(c -> c.started().isAfter(splitAt)).toList();
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
                keepForInspection(state);
                throw failed;
            } finally {
                agent.stop();
            }
        }
    }

    /** Copies the platform's logs and the agent's journal lists to {@code target/partition-it} (the state is deleted). */
    private static void keepForInspection(Path state) throws java.io.IOException {
        Path kept = LocalPlatform.REPO.resolve("launcher/target/partition-it");
        Files.createDirectories(kept);
        for (Path dir : List.of(state.resolve("logs"), state.resolve("provider-agent/journal"))) {
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.filter(f -> !f.toString().endsWith(".jsonl") || f.endsWith("shipped.jsonl")).toList()) {
                        Files.copy(f, kept.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    /** A way to split the services link. */
    record Split(String name, Runnable apply) {
    }

    /** Waits for {@code n} calls started after {@code since} to be answered; returns them. */
    private static List<Call> awaitAnswered(List<Call> calls, Instant since, int n, String when) throws Exception {
        await(n + " calls answered " + when, Duration.ofSeconds(120),
                () -> calls.stream().filter(c -> c.status() == 200 && c.started().isAfter(since)).count() >= n);
        return calls.stream().filter(c -> c.status() == 200 && c.started().isAfter(since)).toList();
    }

    /**
     * How often the agent's anti-entropy found billing's root of one of the lease's days equal to its journal's: the
     * lease's lines of the journal's {@code settled.txt}, appended only when the roots agree (again after a later
     * receipt).
     */
    private static long agreements(Path settled, String lease) throws java.io.IOException {
        return Files.exists(settled) ? Files.readAllLines(settled).stream().filter(l -> l.startsWith(lease + " ")).count() : 0;
    }

    /**
     * Every answered call is rated once, in the newest voucher: as many receipts as answered calls, each proven
     * against that voucher's root with {@link IndependentBill}, the charges summing to its amount.
     */
    private static void checkTheBill(String token, String providerBilling, Signer developer, String provider, String gateway,
            List<Call> answered) throws Exception {
        Set<String> ids = new HashSet<>();
        answered.forEach(c -> ids.add(c.invocation()));
        assertThat(ids).as("one invocation id per answered call").hasSameSizeAs(answered);
        String url = BILLING + "/api/v1/vouchers?provider=" + provider + "&consumer=" + developer.address().checksummed();
        JsonNode voucher = await("a voucher for the " + answered.size() + " answered calls", Duration.ofSeconds(120),
                () -> call("GET", url, providerBilling, null),
                l -> l.size() > 0 && l.get(0).get("receipts").asLong() >= answered.size()).get(0);
        assertThat(voucher.get("receipts").asLong()).as("rated receipts: exactly the answered calls").isEqualTo(answered.size());
        String root = voucher.get("voucher").get("voucher").get("receiptsRoot").asText();
        BigInteger total = BigInteger.ZERO;
        IndependentBill.Lease lease = null;
        for (String id : ids) {
            JsonNode proof = await("the proof of " + id, Duration.ofSeconds(30),
                    () -> call("GET", BILLING + "/api/v1/receipts/" + id + "/proof", token, null),
                    p -> p.get("voucher").get("sequence").asLong() == voucher.get("sequence").asLong());
            if (lease == null) {
                lease = IndependentBill.Lease.of(call("GET", MARKET + "/api/v1/leases/"
                        + proof.get("receipt").get("leaseId").asText(), token, null));
            }
            total = total.add(IndependentBill.verify(proof, lease, gateway, provider.toLowerCase(), root));
        }
        assertThat(total).as("Σ charges").isEqualTo(new BigInteger(voucher.get("voucher").get("voucher")
                .get("cumulativeAmount").asText()));
    }

    /** Calls the function every 50 ms from its own thread, recording each; can pause. */
    static final class Traffic {
        private final List<Call> calls;
        private final Thread thread;
        private final Object gate = new Object();
        private boolean running = true;
        private boolean paused;
        private boolean inCall;

        Traffic(List<Call> calls) {
            this.calls = calls;
            this.thread = new Thread(this::run, "traffic");
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void run() {
            int n = 0;
            try {
                while (true) {
                    synchronized (gate) {
                        while (paused && running) {
                            gate.wait();
                        }
                        if (!running) {
                            return;
                        }
                        inCall = true;
                    }
                    try {
                        call(n++);
                    } finally {
                        synchronized (gate) {
                            inCall = false;
                            gate.notifyAll();
                        }
                    }
                    Thread.sleep(50); // well under the gateway's per-caller rate limit
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void call(int n) {
            Instant started = Instant.now();
            try {
                HttpResponse<String> r = FunctionCalls.invoke(FUNCTION, "call-" + n);
                String body = r.statusCode() == 200 && !r.body().equals("echo:call-" + n) ? "wrong answer: " + r.body() : r.body();
                calls.add(new Call(started, Instant.now(), body.startsWith("wrong") ? -2 : r.statusCode(),
                        r.headers().firstValue("Agora-Invocation-Id").orElse(""), body));
            } catch (Exception e) {
                calls.add(new Call(started, Instant.now(), -1, "", e.toString()));
            }
        }

        /** Returns once no call is in flight; none starts until {@link #resume}. */
        void pause() throws InterruptedException {
            synchronized (gate) {
                paused = true;
                while (inCall) {
                    gate.wait();
                }
            }
        }

        void resume() {
            synchronized (gate) {
                paused = false;
                gate.notifyAll();
            }
        }

        void stop() throws InterruptedException {
            synchronized (gate) {
                running = false;
                gate.notifyAll();
            }
            thread.join(120_000);
        }
    }

    /**
     * The platform's agent, moved into a namespace: started with the launcher's command, working folder and
     * environment for it, with {@code overrides} (addresses across the links); SIGKILLed and started again at will.
     */
    static final class SplitAgent {
        private final NetworkSplit split;
        private final List<String> command;
        private final Path workingDir;
        private final Map<String, String> env;
        private final Path log;
        private Process process;

        private SplitAgent(NetworkSplit split, List<String> command, Path workingDir, Map<String, String> env, Path log) {
            this.split = split;
            this.command = command;
            this.workingDir = workingDir;
            this.env = env;
            this.log = log;
        }

        /** Reads the launcher's agent's command and environment, stops it (SIGTERM) and returns its stand-in. */
        static SplitAgent moveInto(NetworkSplit split, long pid, Path log, Map<String, String> overrides) throws Exception {
            Path proc = Path.of("/proc", Long.toString(pid));
            List<String> command = List.of(new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                    .split("\0"));
            Map<String, String> env = new LinkedHashMap<>();
            for (String entry : new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.UTF_8).split("\0")) {
                int eq = entry.indexOf('=');
                if (eq > 0) {
                    env.put(entry.substring(0, eq), entry.substring(eq + 1));
                }
            }
            env.remove("KAFKA_BOOTSTRAP_SERVERS");
            env.putAll(overrides);
            Path cwd = Files.readSymbolicLink(proc.resolve("cwd"));
            ProcessHandle launched = ProcessHandle.of(pid).orElseThrow();
            launched.destroy();
            launched.onExit().get(60, TimeUnit.SECONDS);
            return new SplitAgent(split, command, cwd, env, log);
        }

        /** Starts it in the namespace and waits until it is ready (asked from the host over the callers' link). */
        void start() throws Exception {
            ProcessBuilder builder = new ProcessBuilder(split.inNamespace(command)).directory(workingDir.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().clear();
            builder.environment().putAll(env);
            process = builder.start();
            String ready = env.get("AGENT_ENDPOINT") + "/q/health/ready";
            await("the agent ready in its namespace", Duration.ofSeconds(120), () -> {
                assertThat(process.isAlive()).as("agent alive; see %s", log).isTrue();
                try {
                    return send("GET", ready, null, null).statusCode() == 200;
                } catch (java.io.IOException notYet) {
                    return false;
                }
            });
        }

        /** SIGKILL, waiting until it is gone. */
        void kill() throws Exception {
            process.destroyForcibly();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }

        /** SIGTERM (SIGKILL after 60 s). */
        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
