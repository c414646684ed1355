package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.BILLING;
import static cloud.agora.launcher.PlatformCalls.FUNCTIONS;
import static cloud.agora.launcher.PlatformCalls.MARKET;
import static cloud.agora.launcher.PlatformCalls.await;
import static cloud.agora.launcher.PlatformCalls.send;
import static cloud.agora.launcher.PlatformCalls.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash matrix: under steady calls of a function, every part of the platform is SIGKILLed at a random moment
 * and started again, then stopped (SIGTERM) and started again: the provider agent, the functions gateway, billing,
 * the marketplace, Kafka (its producers sending), PostgreSQL (fsync on) and Anvil (a devnet node keeps its chain in
 * memory; the launcher's {@code Anvil} copies it to the state file atomically every second, which the node started
 * again loads, and the escrow is checked to be there). After each start, calls are answered again. At the end every answered call has exactly one rated
 * receipt, each proven against billing's newest voucher independently of billing's code, and the charges sum to the
 * voucher's amount, to the wei. The gateway's SIGKILL included: it answers a call only once the call and its
 * witness are committed.
 */
class CrashMatrixIT {

    static final String FUNCTION = "crash-echo";

    @TempDir
    Path state;

    @TempDir
    Path work;

    /**
     * A part of the platform: where its PID is, how it is seen ready, whether a SIGKILL is part of the matrix, and
     * whether its orderly stop is SIGINT (PostgreSQL's fast shutdown) rather than SIGTERM.
     */
    record Part(String name, PidFile pid, PlatformCalls.Check ready, boolean sigkill, boolean stopsOnSigint) {

        Part(String name, PidFile pid, PlatformCalls.Check ready, boolean sigkill) {
            this(name, pid, ready, sigkill, false);
        }
    }

    interface PidFile {
        long read() throws IOException;
    }

    /** What happened to one part: how long it was away each time and how many calls failed meanwhile. */
    record Figures(String part, String how, long awayMillis, long failedCalls) {
    }

    @Test
    void killingEveryPartUnderTrafficLosesNoAnsweredCallAndChargesNoneTwice() throws Exception {
        long seed = Long.getLong("agora.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.println("crash matrix seed " + seed + " (-Dagora.crash.seed to replay the moments)");
        List<PartProcess> taken = new ArrayList<>();
        try (LocalPlatform platform = new LocalPlatform(state)
                // the gateway probes the agent every second; it never gives the replica up during the test
                .withEnv("AGORA_FUNCTIONS_HEALTH_INTERVAL", "1s")
                .withEnv("AGORA_FUNCTIONS_REPLACE_UNHEALTHY_AFTER", "1h")
                .withEnv("AGENT_JOURNAL_RECONCILE_INTERVAL", "5s")
                // a SIGKILLed billing's partitions go to its successor after 10 s rather than Kafka's 45 s
                .withEnv("AGORA_BILLING_INGESTION_SESSION_TIMEOUT", "10s")
                .start()) {
            try {
                FunctionCalls.EchoDeployed deployed = FunctionCalls.echoDeployed(state, work, FUNCTION);
                Signer developer = deployed.developer();
                String provider = deployed.provider();
                String gateway = deployed.gateway();
                String token = deployed.token();

                Traffic traffic = new Traffic(FUNCTION);
                traffic.start();
                traffic.awaitAnswered(Instant.EPOCH, 10, "before any crash");

                List<Figures> figures = new ArrayList<>();
                Instant matrixStarted = Instant.now();
                for (Part part : parts()) {
                    PartProcess found = PartProcess.of(part.name(), part.pid().read(),
                            state.resolve("logs/" + part.name() + "-again.log"));
                    PartProcess process = part.stopsOnSigint() ? found.stoppedBySigint() : found;
                    taken.add(process);
                    Map<String, Boolean> ways = new LinkedHashMap<>();
                    if (part.sigkill()) {
                        ways.put("SIGKILL", true);
                    }
                    ways.put("restart", false);
                    for (Map.Entry<String, Boolean> way : ways.entrySet()) {
                        Thread.sleep(random.nextInt(1000)); // a random moment of the traffic, not a wait for anything
                        Instant down = Instant.now();
                        if (way.getValue()) {
                            process.kill();
                        } else {
                            process.terminate();
                        }
                        startUntilReady(process, part.ready());
                        Instant up = Instant.now();
                        traffic.awaitAnswered(up, 5, "after the " + way.getKey() + " of " + part.name());
                        figures.add(new Figures(part.name(), way.getKey(), Duration.between(down, up).toMillis(),
                                traffic.calls().stream().filter(c -> !c.answered() && c.started().isAfter(down)
                                        && c.started().isBefore(up)).count()));
                    }
                }
                Instant matrixEnded = Instant.now();
                // the chain kept the escrow through its restart
                try (Chain chain = Chain.connect(ChainSettings.local(PlatformCalls.CHAIN, 31337))) {
                    assertThat(chain.escrow(Address.parse(Files.readString(state.resolve("anvil/escrow-address")).strip()))
                            .feeBps()).isNotNegative();
                }

                traffic.pause();
                List<Traffic.Call> answered = traffic.answered();
                Set<String> rated = new HashSet<>();
                answered.forEach(c -> rated.add(c.invocation()));
                for (String id : rated) {
                    await("billing's receipt of answered call " + id, Duration.ofSeconds(180),
                            () -> send("GET", BILLING + "/api/v1/receipts/" + id + "/proof", token, null).statusCode() == 200);
                }
                Instant converged = Instant.now();
                // what the gateway recorded as witnessed (its usage: calls with a checked receipt, charged at the lease's
                // prices) is what billing rated: as many receipts, the same amount to the wei. A call can run and be
                // witnessed without its answer reaching the caller (its connection broken by a kill): those are
                // counted, bounded by the calls that got no answer, and billed once like any other
                JsonNode usage = PlatformCalls.call("GET", FUNCTIONS + "/api/v1/functions/" + FUNCTION + "/usage", token, null);
                assertThat(usage.get("suspectReceipts").asLong()).as("receipts the gateway did not witness").isZero();
                String providerBilling = signIn(BILLING, KeyFiles.read(state.resolve("keys/provider.key")));
                IndependentBill.Proven bill = IndependentBill.proveInTheNewestVoucher(token, providerBilling,
                        developer.address().checksummed(), provider, gateway, rated, usage.get("invocations").asLong());
                assertThat(bill.amount()).as("billing's amount is the gateway's witnessed usage, to the wei")
                        .isEqualTo(new BigInteger(usage.get("estimatedCostWei").asText()));
                long unanswered = traffic.calls().stream().filter(c -> !c.answered()).count();
                long ranUnanswered = bill.receipts() - rated.size();
                assertThat(ranUnanswered).as("rated calls whose answer was lost").isBetween(0L, unanswered);
                assertThat(bill.provenSum()).as("the answered calls' proven charges").isLessThanOrEqualTo(bill.amount());
                if (ranUnanswered == 0) {
                    assertThat(bill.provenSum()).as("Σ charges").isEqualTo(bill.amount());
                }
                assertThat(traffic.calls()).as("no call got a wrong answer").noneMatch(c -> c.status() == -2);

                figures.forEach(f -> System.out.printf("crash matrix: %-15s %-8s away %6d ms, %3d calls not answered%n",
                        f.part(), f.how(), f.awayMillis(), f.failedCalls()));
                System.out.printf("crash matrix: %d calls, %d answered, %d kills and restarts in %d s; billing held every"
                        + " answered call's receipt %d ms after the last; %d calls ran and were billed without their answer"
                        + " reaching the caller%n", traffic.calls().size(), answered.size(), figures.size(),
                        Duration.between(matrixStarted, matrixEnded).toSeconds(),
                        Duration.between(matrixEnded, converged).toMillis(), ranUnanswered);
                traffic.calls().stream().filter(c -> !c.answered()).map(c -> c.status() + " " + problemType(c.body()))
                        .collect(java.util.stream.Collectors.groupingBy(t -> t, java.util.TreeMap::new,
                                java.util.stream.Collectors.counting()))
                        .forEach((kind, n) -> System.out.printf("crash matrix: %4d calls not answered: %s%n", n, kind));
                traffic.stop();
            } catch (Throwable failed) {
                platform.keepForInspection("crash-matrix");
                throw failed;
            } finally {
                for (int i = taken.size() - 1; i >= 0; i--) {
                    taken.get(i).stop();
                }
            }
        }
    }

    /** The parts in the order they are broken. */
    private List<Part> parts() {
        return List.of(
                new Part("provider-agent", () -> pid("provider-agent"), () -> healthy("http://localhost:8090"), true),
                new Part("functions", () -> pid("functions"), () -> healthy(FUNCTIONS), true),
                new Part("billing", () -> pid("billing"), () -> healthy(BILLING), true),
                new Part("marketplace", () -> pid("marketplace"), () -> healthy(MARKET), true),
                new Part("kafka", () -> pid("kafka"), () -> listening(Platform.KAFKA_PORT), true),
                // the postmaster: its PID is the first line of its data folder's postmaster.pid
                new Part("postgres", () -> Long.parseLong(Files.readAllLines(state.resolve("postgres/postmaster.pid")).get(0).strip()),
                        () -> listening(Platform.POSTGRES_PORT), true, true),
                new Part("anvil", () -> pid("anvil"), () -> listening(Platform.CHAIN_PORT), true));
    }

    /** The problem type of a failed call's body, or its first 60 characters. */
    private static String problemType(String body) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"type\":\"([^\"]+)\"").matcher(body);
        return m.find() ? m.group(1) : body.substring(0, Math.min(60, body.length()));
    }

    private long pid(String part) throws IOException {
        return Long.parseLong(Files.readString(state.resolve("pids/" + part + ".pid")).strip());
    }

    private static boolean healthy(String url) throws Exception {
        try {
            return send("GET", url + "/q/health/ready", null, null).statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * Starts the part and waits until it is ready; a start that exits first is tried again (PostgreSQL refuses to
     * start while a killed postmaster's last backends still hold its shared memory).
     */
    private static void startUntilReady(PartProcess process, PlatformCalls.Check ready) throws Exception {
        process.start();
        await(process.name() + " ready (see " + process.log() + ")", Duration.ofMinutes(3), () -> {
            if (!process.alive()) {
                process.start();
            }
            return ready.holds();
        });
    }
}
