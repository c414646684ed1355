package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.journal.ReceiptJournal;
import cloud.agora.agent.metering.ReceiptSigner;
import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.protocol.invocation.InvocationReply;
import cloud.agora.protocol.usage.UsageReceipt;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * Where a warm call's time goes above a plain fork, part by part, on this machine: the JVM forking the script
 * directly, then one warm container's call split into its stages ({@link WarmContainer.Stage}: request file and
 * counters, the executor's fork and the function, the leftovers check, the meter, the files), then what the agent does
 * after the container (signing the receipt, journaling it with its fsync, the reply's JSON), each timed in the same
 * loop so that every part meets the same machine. Finally the journal alone under 8 concurrent writers (calls/s), the
 * bound a per-receipt fsync puts on concurrent calls.
 *
 * <p>Not part of the default test run (the name does not end in Test); run it with
 * {@code mvn -o -q -pl provider-agent verify -Dtest=WarmCallBreakdown -Dsurefire.failIfNoSpecifiedTests=false
 * -Dbench.n=500} and read {@code provider-agent/target/warm-call-breakdown.txt}. The HTTP layer (request and reply
 * JSON through Quarkus, the grant check) is the rest of what {@code functions/bench/agent-bench.sh} measures end to end.
 */
class WarmCallBreakdown {

    @TempDir
    Path data;

    static final ECKeyPair PROVIDER_KEY = ECKeyPair.create(new BigInteger("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 16));
    static final ECKeyPair GATEWAY_KEY = ECKeyPair.create(new BigInteger("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6", 16));

    @Test
    void warmCallPartByPart() throws Exception {
        int n = Integer.getInteger("bench.n", 500);
        Path bundle = Files.createDirectories(data.resolve("bundle"));
        Files.writeString(bundle.resolve("handler.sh"), "printf 'hello '; cat\n");
        FunctionSpec fn = FunctionSpec.shell(bundle, "handler.sh");
        Workload w = new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER, new Limits(64, 1000, 32, Duration.ofSeconds(10)));
        String parent = "agora-bench-" + UUID.randomUUID().toString().substring(0, 8);
        ReceiptSigner signer = new ReceiptSigner(PROVIDER_KEY);
        Map<String, long[]> series = new LinkedHashMap<>();
        String[] names = {"fork: busybox sh handler.sh from the JVM", "warm: prepare (request file, counters)",
            "warm: run (frame -> answer: fork + function)", "warm: leftovers check", "warm: meter (cgroup reads)",
            "warm: files (response, stderr, wipe /tmp)", "warm: whole WarmContainer.invoke", "sign the receipt",
            "journal append (write + fsync)", "reply JSON (InvocationReply)"};
        for (String name : names) {
            series.put(name, new long[n]);
        }
        try (RuncRuntime runtime = new RuncRuntime(RuncSettings.under(data.resolve("warm"), parent).withWarmPool(2, Duration.ofMinutes(1)),
                Clock.systemUTC()); ReceiptJournal journal = ReceiptJournal.open(data.resolve("journal"))) {
            WarmContainer container = WarmContainer.start(runtime, w, fn);
            try {
                int warmup = Math.max(20, n / 5);
                for (int i = -warmup; i < n; i++) {
                    long t0 = System.nanoTime();
                    Process p = new ProcessBuilder("/bin/busybox", "sh", bundle.resolve("handler.sh").toString()).start();
                    p.getOutputStream().write("bench".getBytes(StandardCharsets.UTF_8));
                    p.getOutputStream().close();
                    p.getInputStream().readAllBytes();
                    assertThat(p.waitFor()).isZero();
                    long fork = System.nanoTime() - t0;

                    UUID id = UUID.randomUUID();
                    t0 = System.nanoTime();
                    InvocationResult result = container.invoke(w, new InvocationRequest(id, "bench".getBytes(StandardCharsets.UTF_8),
                            Map.of("AGORA_METHOD", "POST", "AGORA_PATH", "/", "AGORA_QUERY", "")), true);
                    long whole = System.nanoTime() - t0;
                    assertThat(result.outcome()).isEqualTo(InvocationOutcome.OK);
                    assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("hello bench");

                    InvocationGrant grant = InvocationGrant.unsigned(id, w.leaseId(), signer.provider(), w.consumer(), "bafkrei", 10_000,
                            Instant.now(), Duration.ofSeconds(30)).signedBy(GATEWAY_KEY);
                    t0 = System.nanoTime();
                    UsageReceipt receipt = signer.sign(id, w.leaseId(), w.consumer(), result.usage(), grant);
                    long sign = System.nanoTime() - t0;
                    t0 = System.nanoTime();
                    journal.append(receipt);
                    long append = System.nanoTime() - t0;
                    t0 = System.nanoTime();
                    byte[] json = JsonCodec.mapper().writeValueAsBytes(new InvocationReply(id, result.outcome(), result.exitCode(),
                            result.stdout(), result.stderr(), result.stderrTruncated(), result.warm(), receipt));
                    long reply = System.nanoTime() - t0;
                    assertThat(json.length).isPositive();
                    if (i >= 0) {
                        long[] stages = container.lastStages;
                        long[] values = {fork, stages[0], stages[1], stages[2], stages[3], stages[4], whole, sign, append, reply};
                        for (int k = 0; k < names.length; k++) {
                            series.get(names[k])[i] = values[k];
                        }
                    }
                }
            } finally {
                container.destroy();
            }
        }
        StringBuilder report = new StringBuilder(String.format("warm call breakdown, n=%d, %d cores, JDK %s, load %s%n", n,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), load()));
        report.append(String.format("%-46s %9s %9s %9s%n", "part", "p50 ms", "p95 ms", "mean ms"));
        series.forEach((name, values) -> report.append(row(name, values)));
        report.append(concurrentJournal(8, Integer.getInteger("bench.journal.seconds", 5)));
        System.out.print(report);
        Files.writeString(Path.of("target/warm-call-breakdown.txt"), report.toString());
    }

    /** Receipts journaled per second by {@code threads} concurrent writers (each append waits for its fsync). */
    String concurrentJournal(int threads, int seconds) throws Exception {
        ReceiptSigner signer = new ReceiptSigner(PROVIDER_KEY);
        List<UsageReceipt> receipts = new ArrayList<>();
        UUID lease = UUID.randomUUID();
        Address consumer = RuncRuntimeTest.CONSUMER;
        for (int i = 0; i < 20_000; i++) {
            UUID id = UUID.randomUUID();
            InvocationGrant grant = InvocationGrant.unsigned(id, lease, signer.provider(), consumer, "bafkrei", 10_000, Instant.now(),
                    Duration.ofSeconds(30)).signedBy(GATEWAY_KEY);
            receipts.add(signer.sign(id, lease, consumer, new cloud.agora.agent.runtime.Usage(1, 1, 1, 1, 1, Instant.now(), Instant.now()),
                    grant));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (ReceiptJournal journal = ReceiptJournal.open(data.resolve("journal-concurrent"))) {
            AtomicInteger next = new AtomicInteger();
            long[] latencies = new long[receipts.size()];
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    int i;
                    while (System.nanoTime() < deadline && (i = next.getAndIncrement()) < receipts.size()) {
                        long t0 = System.nanoTime();
                        journal.append(receipts.get(i));
                        latencies[i] = System.nanoTime() - t0;
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
            long elapsed = System.nanoTime() - start;
            int done = (int) journal.counts().receipts();
            return String.format("journal alone, %d concurrent writers, %d s: %.0f receipts/s, append p50 %.2f ms%n", threads, seconds,
                    done / (elapsed / 1e9), pct(Arrays.copyOf(latencies, done), 50) / 1e6);
        } finally {
            pool.shutdown();
        }
    }

    static String row(String name, long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return String.format("%-46s %9.3f %9.3f %9.3f%n", name, pct(sorted, 50) / 1e6, pct(sorted, 95) / 1e6,
                Arrays.stream(sorted).average().orElse(0) / 1e6);
    }

    static long pct(long[] values, int p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ", 4)[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
