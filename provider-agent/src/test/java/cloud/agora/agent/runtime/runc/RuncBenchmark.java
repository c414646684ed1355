package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold start and warm overhead of the runc driver against running the same script directly.
 * Not part of the default test run (the name does not end in Test); run it with
 * {@code mvn -o -q -pl provider-agent verify -Dtest=RuncBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbench.n=200}
 * and read {@code provider-agent/target/benchmark.txt}.
 */
class RuncBenchmark {

    @TempDir
    Path data;

    @Test
    void coldStartAndWarmOverhead() throws Exception {
        int n = Integer.getInteger("bench.n", 200);
        Path bundle = Files.createDirectories(data.resolve("bundle"));
        Files.writeString(bundle.resolve("handler.sh"), "echo \"hello $(cat)\"\n");
        FunctionSpec fn = FunctionSpec.shell(bundle, "handler.sh");
        Workload w = new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER, new Limits(64, 1000, 32, Duration.ofSeconds(10)));
        String parent = "agora-bench-" + UUID.randomUUID().toString().substring(0, 8);

        List<Long> direct = measure(n, () -> {
            try {
                Process p = new ProcessBuilder("/bin/busybox", "sh", bundle.resolve("handler.sh").toString()).start();
                p.getOutputStream().write("x".getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                p.getInputStream().readAllBytes();
                p.waitFor();
                return p.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        List<Long> cold;
        try (RuncRuntime runtime = new RuncRuntime(RuncSettings.under(data.resolve("cold"), parent).withWarmPool(0, Duration.ofMinutes(1)),
                Clock.systemUTC())) {
            cold = measure(n, () -> runtime.invoke(w, fn, InvocationRequest.of("x")).outcome() == InvocationOutcome.OK);
        }
        List<Long> warm;
        try (RuncRuntime runtime = new RuncRuntime(RuncSettings.under(data.resolve("warm"), parent).withWarmPool(2, Duration.ofMinutes(1)),
                Clock.systemUTC())) {
            warm = measure(n, () -> runtime.invoke(w, fn, InvocationRequest.of("x")).outcome() == InvocationOutcome.OK);
        }
        // the after-call hygiene of a warm call on its own, on a live idle container holding the executor's three files
        List<Long> hygiene;
        try (RuncRuntime runtime = new RuncRuntime(RuncSettings.under(data.resolve("hygiene"), parent).withWarmPool(2, Duration.ofMinutes(1)),
                Clock.systemUTC())) {
            WarmContainer container = WarmContainer.start(runtime, w, fn);
            try {
                assertThat(container.invoke(w, InvocationRequest.of("x"), false).outcome()).isEqualTo(InvocationOutcome.OK);
                ContainerTmp tmp = new ContainerTmp(container.executorPid());
                hygiene = measureSplit(n, () -> {
                    try {
                        tmp.create(WarmContainer.REQUEST, new byte[] {'x'});
                        tmp.create(WarmContainer.RESPONSE, "hello x\n".getBytes(StandardCharsets.UTF_8));
                        tmp.create(WarmContainer.ERRORS, new byte[0]);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, () -> {
                    try {
                        return Leftovers.clear(runtime.cgroups(), container.cgroup, container.executorPid(),
                                WarmContainer.SETTLE_TIMEOUT_NANOS)
                                && tmp.head(WarmContainer.RESPONSE, 1 << 20).bytes().length == 8
                                && tmp.tail(WarmContainer.ERRORS, 1 << 16).size() == 0 && tmp.wipe();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
            } finally {
                container.destroy();
            }
        }
        String report = String.format("runc benchmark, n=%d per series, %d cores, JDK %s%n", n,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"))
                + line("direct (sh handler.sh)", direct)
                + line("cold (create+start+exit+meter+delete)", cold)
                + line("warm (pooled container)", warm)
                + line("warm call hygiene (kill check+read+wipe)", hygiene)
                + String.format("warm platform overhead p50 %.2f ms, p95 %.2f ms (warm minus direct)%n",
                        (pct(warm, 50) - pct(direct, 50)) / 1e6, (pct(warm, 95) - pct(direct, 95)) / 1e6);
        System.out.print(report);
        Files.writeString(Path.of("target/benchmark.txt"), report);
        assertThat(cold).hasSize(n);
    }

    /**
     * Cold and warm calls of the {@code jvm} runtime ({@code java /function/Main.java}, the source launcher), with the
     * first call of a fresh runtimes directory (which builds the runtime's image) and the first call after a restart
     * (which checks and reuses it) timed on their own, and the image's size. Run with
     * {@code -Dtest=RuncBenchmark#jvmColdAndWarm -Dbench.jvm.n=20}; writes {@code target/benchmark-jvm.txt}.
     */
    @Test
    void jvmColdAndWarm() throws Exception {
        int n = Integer.getInteger("bench.jvm.n", 20);
        Path bundle = Files.createDirectories(data.resolve("bundle"));
        Files.writeString(bundle.resolve("Main.java"), """
                public class Main {
                    public static void main(String[] args) throws Exception {
                        System.out.print("hello " + new String(System.in.readAllBytes()));
                    }
                }
                """);
        FunctionSpec fn = new FunctionSpec("jvm", bundle, List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", "-XX:-UsePerfData", "/function/Main.java"));
        Workload w = new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER, new Limits(256, 1000, 128, Duration.ofSeconds(60)));
        String parent = "agora-bench-" + UUID.randomUUID().toString().substring(0, 8);
        long first;
        List<Long> cold;
        try (RuncRuntime runtime = new RuncRuntime(RuncSettings.under(data.resolve("cold"), parent).withWarmPool(0, Duration.ofMinutes(1)),
                Clock.systemUTC())) {
            long t0 = System.nanoTime();
            assertThat(runtime.runtimes()).contains("jvm");
            assertThat(runtime.invoke(w, fn, InvocationRequest.of("x")).outcome()).isEqualTo(InvocationOutcome.OK);
            first = System.nanoTime() - t0;
            cold = measure(n, () -> runtime.invoke(w, fn, InvocationRequest.of("x")).outcome() == InvocationOutcome.OK);
        }
        long restart;
        List<Long> warm;
        try (RuncRuntime runtime = new RuncRuntime(RuncSettings.under(data.resolve("cold"), parent).withWarmPool(2, Duration.ofMinutes(1)),
                Clock.systemUTC())) {
            long t0 = System.nanoTime();
            assertThat(runtime.invoke(w, fn, InvocationRequest.of("x")).outcome()).isEqualTo(InvocationOutcome.OK);
            restart = System.nanoTime() - t0;
            warm = measure(n, () -> runtime.invoke(w, fn, InvocationRequest.of("x")).outcome() == InvocationOutcome.OK);
        }
        long imageBytes;
        try (Stream<Path> files = Files.walk(data.resolve("cold/runtimes"))) {
            imageBytes = files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> p.toFile().length()).sum();
        }
        String report = String.format("runc jvm benchmark, n=%d per series, %d cores, JDK %s%n", n,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"))
                + String.format("%-40s %7.2f s%n", "first call (fresh runtimes dir)", first / 1e9)
                + String.format("%-40s %7.2f s%n", "first call after a restart", restart / 1e9)
                + String.format("%-40s %7.1f MiB%n", "runtimes directory on disk", imageBytes / 1048576.0)
                + line("jvm cold (java Main.java)", cold)
                + line("jvm warm (pooled container)", warm);
        System.out.print(report);
        Files.writeString(Path.of("target/benchmark-jvm.txt"), report);
        assertThat(cold).hasSize(n);
    }

    static List<Long> measure(int n, Supplier<Boolean> call) {
        for (int i = 0; i < Math.max(5, n / 10); i++) {
            assertThat(call.get()).isTrue(); // warm-up (JIT, page cache, first warm container)
        }
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            assertThat(call.get()).isTrue();
            nanos.add(System.nanoTime() - t0);
        }
        Collections.sort(nanos);
        return nanos;
    }

    /** Like {@link #measure}, timing only {@code call}, after an untimed {@code setup} each round. */
    static List<Long> measureSplit(int n, Runnable setup, Supplier<Boolean> call) {
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < Math.max(5, n / 10) + n; i++) {
            setup.run();
            long t0 = System.nanoTime();
            assertThat(call.get()).isTrue();
            if (i >= Math.max(5, n / 10)) {
                nanos.add(System.nanoTime() - t0);
            }
        }
        Collections.sort(nanos);
        return nanos;
    }

    static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    static String line(String name, List<Long> sorted) {
        return String.format("%-40s p50 %7.2f ms  p95 %7.2f ms%n", name, pct(sorted, 50) / 1e6, pct(sorted, 95) / 1e6);
    }
}
