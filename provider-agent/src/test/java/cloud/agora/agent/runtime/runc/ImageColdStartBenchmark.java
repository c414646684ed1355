package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.image.PreparedImage;
import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.oci.OciImages;
import cloud.agora.oci.OciLimits;
import cloud.agora.oci.VerifiedImage;
import cloud.agora.protocol.invocation.InvocationOutcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold starts of HTTP-mode functions in their own images, as the templates' {@code fn build} writes them: per image,
 * its verification and unpacking once (what a provider does the first time a lease names it, the download left out),
 * then rounds in which every image takes its turn: a call to a lease with no container (start the container, start
 * the server, wait until it listens, forward the call, meter it: the developer's "cold start") and a second call to
 * the same container (warm). Each cold call is a new lease, so nothing of the previous round's container is reused;
 * the containers are removed between calls, untimed. Not part of the default test run (the name does not end in
 * Test): {@code provider-agent/bench/image-cold-start.sh} builds the images and runs it; it writes
 * {@code target/image-cold-start.txt}.
 *
 * <p>{@code -Dbench.images=name=archive=memoryMiB=cpuMillis,...} names the images (the limits as the template's
 * {@code function.json} gives them), {@code -Dbench.n} the rounds (default 20); {@code -Dbench.javaOptions.<name>=...}
 * gives an image's JVM options ({@code JAVA_TOOL_OPTIONS}, the function's env), so that the same archive can run twice
 * under two names, e.g. with and without the quick compiler alone.
 */
class ImageColdStartBenchmark {

    record Image(String name, FunctionSpec function, Limits limits, long prepareNanos) {
    }

    @TempDir
    Path data;

    @Test
    void coldAndWarmCallsOfEachImage() throws Exception {
        int n = Integer.getInteger("bench.n", 20);
        String spec = System.getProperty("bench.images");
        assertThat(spec).as("-Dbench.images=name=archive=memoryMiB=cpuMillis,...").isNotBlank();
        List<Image> images = new ArrayList<>();
        for (String entry : spec.split(",")) {
            String[] part = entry.split("=");
            images.add(prepare(part[0], Path.of(part[1]), Integer.parseInt(part[2]), Integer.parseInt(part[3]),
                    System.getProperty("bench.javaOptions." + part[0])));
        }
        Map<String, List<Long>> cold = new LinkedHashMap<>();
        Map<String, List<Long>> warm = new LinkedHashMap<>();
        String parent = "agora-bench-" + UUID.randomUUID().toString().substring(0, 8);
        try (RuncRuntime runtime = new RuncRuntime(RuncSettings.under(data.resolve("runc"), parent)
                .withWarmPool(2, Duration.ofMinutes(10)), Clock.systemUTC())) {
            for (int round = -1; round < n; round++) { // round -1: the page cache and the agent's own code warmed
                for (Image image : images) {
                    Workload lease = new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER,
                            new Limits(image.limits().memoryMiB(), image.limits().cpuMillis(), 128, Duration.ofSeconds(60)));
                    long t0 = System.nanoTime();
                    call(runtime, lease, image, "cold");
                    long t1 = System.nanoTime();
                    call(runtime, lease, image, "warm");
                    long t2 = System.nanoTime();
                    runtime.remove(lease.leaseId());
                    runtime.awaitRemovals();
                    if (round >= 0) {
                        cold.computeIfAbsent(image.name(), k -> new ArrayList<>()).add(t1 - t0);
                        warm.computeIfAbsent(image.name(), k -> new ArrayList<>()).add(t2 - t1);
                    }
                }
            }
        }
        StringBuilder report = new StringBuilder(String.format(
                "image cold starts, n=%d per series (rounds, images interleaved), %d cores, JDK %s, load %s%n", n,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), WarmCallBreakdown.load()));
        report.append(String.format("%-8s %-14s %16s %10s %10s %10s %10s%n", "image", "limits", "verify+unpack",
                "cold p50", "cold p95", "warm p50", "warm p95"));
        for (Image image : images) {
            List<Long> c = sorted(cold.get(image.name()));
            List<Long> w = sorted(warm.get(image.name()));
            report.append(String.format("%-8s %-14s %13.0f ms %7.0f ms %7.0f ms %7.2f ms %7.2f ms%n", image.name(),
                    image.limits().memoryMiB() + "MiB/" + image.limits().cpuMillis() + "m", image.prepareNanos() / 1e6,
                    RuncBenchmark.pct(c, 50) / 1e6, RuncBenchmark.pct(c, 95) / 1e6, RuncBenchmark.pct(w, 50) / 1e6,
                    RuncBenchmark.pct(w, 95) / 1e6));
        }
        System.out.print(report);
        Files.writeString(Path.of("target/image-cold-start.txt"), report);
    }

    /** Verifies and unpacks the archive as the agent's image store does, timed; the function as the agent runs it. */
    private Image prepare(String name, Path archive, int memoryMiB, int cpuMillis, String javaOptions) throws Exception {
        long t0 = System.nanoTime();
        VerifiedImage verified = OciImages.verify(archive, new OciLimits(1L << 30, 4L << 30, 200_000));
        Path rootfs = data.resolve("images").resolve(name).resolve("rootfs");
        Files.createDirectories(rootfs.getParent());
        OciImages.unpack(verified, rootfs);
        long prepared = System.nanoTime() - t0;
        FunctionSpec function = new PreparedImage(verified.manifestDigest(), rootfs, verified.config()).function(null,
                javaOptions == null ? Map.of() : Map.of("JAVA_TOOL_OPTIONS", javaOptions));
        return new Image(name, function, new Limits(memoryMiB, cpuMillis, 128, Duration.ofSeconds(60)), prepared);
    }

    private static void call(RuncRuntime runtime, Workload lease, Image image, String which) {
        InvocationResult result = runtime.invoke(lease, image.function(), new InvocationRequest(UUID.randomUUID(),
                "world".getBytes(StandardCharsets.UTF_8), Map.of(), new InvocationRequest.HttpCall("POST", "/", null, Map.of())));
        assertThat(result.outcome()).as(image.name() + " " + which + ": " + result.stderr()).isEqualTo(InvocationOutcome.OK);
        assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).as(image.name()).isEqualTo("hello world");
    }

    private static List<Long> sorted(List<Long> nanos) {
        List<Long> copy = new ArrayList<>(nanos);
        Collections.sort(copy);
        return copy;
    }
}
