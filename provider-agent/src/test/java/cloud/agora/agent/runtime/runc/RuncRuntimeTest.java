package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.LeaseUids;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.protocol.eth.Address;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runc driver against the real runc and kernel of this machine (cold containers). */
class RuncRuntimeTest {

    static final Address CONSUMER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    @TempDir
    Path data;
    Path bundle;
    RuncRuntime runtime;
    String cgroupParent;

    @BeforeEach
    void start() throws IOException {
        cgroupParent = "agora-test-" + UUID.randomUUID().toString().substring(0, 8);
        runtime = new RuncRuntime(RuncSettings.under(data, cgroupParent).withWarmPool(0, Duration.ofMinutes(1)), Clock.systemUTC());
        bundle = Files.createDirectories(data.resolve("bundle"));
    }

    @AfterEach
    void nothingLeftBehind() throws IOException {
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).as("containers after the test").isEmpty();
        assertThat(leftoverCgroups()).as("container cgroups after the test").isEmpty();
        try (Stream<Path> bundles = Files.list(data.resolve("containers"))) {
            assertThat(bundles.toList()).as("bundle directories after the test").isEmpty();
        }
        runtime.close();
        assertThat(Files.exists(Path.of("/sys/fs/cgroup/memory", cgroupParent))).isFalse();
        assertThat(Files.exists(Path.of("/sys/fs/cgroup", cgroupParent))).as("on cgroup v2").isFalse();
    }

    /** Container cgroups under the parent in any v1 hierarchy, or in the v2 root itself. */
    List<Path> leftoverCgroups() throws IOException {
        List<Path> left = new ArrayList<>();
        Path root = Path.of("/sys/fs/cgroup");
        try (Stream<Path> controllers = Stream.concat(Stream.of(root), Files.list(root))) {
            for (Path controller : controllers.toList()) {
                Path parent = controller.resolve(cgroupParent);
                if (Files.isDirectory(parent)) {
                    try (Stream<Path> children = Files.list(parent)) {
                        children.filter(Files::isDirectory).forEach(left::add);
                    }
                }
            }
        }
        return left;
    }

    /**
     * Waits until a container under the parent has held {@code processes} processes ({@code pids.peak}, or
     * {@code pids.current} on a kernel without it, where the pids controller is: its v1 hierarchy or the v2 root),
     * failing if {@code call} ends first or after 30 s.
     */
    void awaitAContainerHolding(long processes, CompletableFuture<?> call) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            for (Path parent : List.of(Path.of("/sys/fs/cgroup/pids", cgroupParent), Path.of("/sys/fs/cgroup", cgroupParent))) {
                if (!Files.isDirectory(parent)) {
                    continue;
                }
                try (Stream<Path> children = Files.list(parent)) {
                    for (Path child : children.filter(Files::isDirectory).toList()) {
                        try {
                            // the most it held: pids.peak where the kernel keeps it (a bomb on a fast kernel collapses
                            // within milliseconds of hitting its limit, as its failed forks exit), else what it holds now
                            Path peak = child.resolve("pids.peak");
                            long held = Long.parseLong(Files.readString(
                                    Files.exists(peak) ? peak : child.resolve("pids.current")).strip());
                            if (held >= processes) {
                                return;
                            }
                        } catch (IOException | NumberFormatException e) {
                            // the container is starting or just went: look again
                        }
                    }
                } catch (IOException e) {
                    // the parent is being created or removed: look again
                }
            }
            assertThat(call).as("the call is still running").isNotDone();
            assertThat(System.nanoTime()).as("a container holding " + processes + " processes within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    Workload workload(int memoryMiB, int cpuMillis, int pids, Duration timeout) {
        return new Workload(UUID.randomUUID(), CONSUMER, new Limits(memoryMiB, cpuMillis, pids, timeout));
    }

    Workload small() {
        return workload(64, 1000, 32, Duration.ofSeconds(10));
    }

    FunctionSpec script(String body) throws IOException {
        Files.writeString(bundle.resolve("handler.sh"), body);
        return FunctionSpec.shell(bundle, "handler.sh");
    }

    static String out(InvocationResult result) {
        return new String(result.stdout(), StandardCharsets.UTF_8);
    }

    @Test
    void shellFunctionEchoesItsInputWithItsMetadata() throws IOException {
        FunctionSpec fn = script("printf 'hello %s from %s ' \"$(cat)\" \"$AGORA_PATH\"\n");
        InvocationRequest request = new InvocationRequest(UUID.randomUUID(), "world".getBytes(StandardCharsets.UTF_8),
                Map.of("AGORA_PATH", "/greet"));

        InvocationResult result = runtime.invoke(small(), fn, request);

        assertThat(result.outcome()).isEqualTo(InvocationOutcome.OK);
        assertThat(out(result)).isEqualTo("hello world from /greet ");
        assertThat(result.usage().bytesIn()).isEqualTo(5);
        assertThat(result.usage().bytesOut()).isEqualTo(result.stdout().length);
        assertThat(result.usage().cpuNanos()).isPositive();
        assertThat(result.usage().peakMemoryBytes()).isPositive().isLessThan(64L * 1024 * 1024);
    }

    @Test
    void nonZeroExitIsAFunctionError() throws IOException {
        InvocationResult result = runtime.invoke(small(), script("echo oops >&2; exit 3\n"), InvocationRequest.of(""));
        assertThat(result.outcome()).isEqualTo(InvocationOutcome.FUNCTION_ERROR);
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stderr()).contains("oops");
    }

    @Test
    void coldContainersGetMultiLineEnvironmentValuesAndTheStderrTail() throws IOException {
        FunctionSpec fn = script("printf '%s' \"$SECRET\"; i=0; while [ $i -lt 1000 ]; do printf '%0100d\\n' $i >&2; i=$((i+1)); done\n");
        InvocationResult result = runtime.invokeCold(small(), fn, new InvocationRequest(UUID.randomUUID(), new byte[0],
                Map.of("SECRET", WarmPoolTest.AWKWARD)));
        assertThat(result.warm()).isFalse();
        assertThat(out(result)).isEqualTo(WarmPoolTest.AWKWARD);
        assertThat(result.stderrTruncated()).isTrue();
        assertThat(result.stderr()).hasSize(64 * 1024).endsWith("00000999\n");
    }

    @Test
    void functionOverItsMemoryLimitIsKilledAsOutOfMemory() throws IOException {
        // a shell variable of ~48 MB in a 16 MiB container
        FunctionSpec fn = script("x=$(head -c 48000000 /dev/zero | tr '\\0' a)\necho survived ${#x}\n");
        InvocationResult result = runtime.invoke(workload(16, 1000, 32, Duration.ofSeconds(20)), fn, InvocationRequest.of(""));
        assertThat(result.outcome()).isEqualTo(InvocationOutcome.OUT_OF_MEMORY);
        assertThat(out(result)).doesNotContain("survived 48000000");
        assertThat(result.usage().peakMemoryBytes()).isGreaterThan(15L * 1024 * 1024).isLessThanOrEqualTo(16L * 1024 * 1024);
    }

    @Test
    void cpuBurnIsThrottledByItsQuotaAndMeteredWholeWithOnlyTheContainersOwnStartOnTop() throws IOException {
        // burn in a child for 3 s of wall time under a quarter-core quota; the child reports its own CPU ticks
        FunctionSpec fn = script("""
                ( while :; do :; done ) &
                p=$!
                sleep 3
                cat /proc/$p/stat
                kill -9 $p
                """);
        InvocationResult result = runtime.invoke(workload(64, 250, 32, Duration.ofSeconds(20)), fn, InvocationRequest.of(""));

        assertThat(result.outcome()).isEqualTo(InvocationOutcome.OK);
        String[] stat = out(result).substring(out(result).lastIndexOf(')') + 2).trim().split(" ");
        long ticks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]); // utime + stime, USER_HZ = 100
        double burnSeconds = ticks / 100.0;
        double meteredSeconds = result.usage().cpuNanos() / 1e9;
        double wallSeconds = result.usage().wallMillis() / 1000.0;
        System.out.printf("cpu burn: child %.3f s, metered %.3f s, wall %.3f s, cpu/wall %.3f%n", burnSeconds, meteredSeconds,
                wallSeconds, meteredSeconds / wallSeconds);
        assertThat(meteredSeconds / wallSeconds).as("throttled to the quarter-core quota").isBetween(0.18, 0.30);
        // the kernel counts every process of the container: all of the child's burn (its own count has 10 ms ticks),
        // plus the container's start, the shell, sleep and cat — about 0.05 s measured here, whatever the load
        // (0.81-0.82 s metered for 0.76 s burned); 0.15 s leaves three times that
        assertThat(meteredSeconds).as("the whole burn is metered").isGreaterThanOrEqualTo(burnSeconds - 0.02);
        assertThat(meteredSeconds - burnSeconds).as("metered beyond the burn").isLessThanOrEqualTo(0.15);
    }

    @Test
    void forkBombIsStoppedByThePidsLimitWhileAnotherTenantKeepsWorking() throws Exception {
        // the bomb may take the last pid before the script forks its sleep: it then tries again until the deadline
        FunctionSpec bomb = script("b() { b | b & }; b; until sleep 30; do :; done\n");
        Path otherBundle = Files.createDirectories(data.resolve("other"));
        Files.writeString(otherBundle.resolve("handler.sh"), "echo alive\n");
        FunctionSpec echo = FunctionSpec.shell(otherBundle, "handler.sh");

        CompletableFuture<InvocationResult> bombed = CompletableFuture.supplyAsync(
                () -> runtime.invoke(workload(64, 500, 16, Duration.ofSeconds(4)), bomb, InvocationRequest.of("")));
        awaitAContainerHolding(16, bombed); // the bomb has filled its pids limit
        Workload other = small();
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            InvocationResult r = runtime.invoke(other, echo, InvocationRequest.of(""));
            latencies.add((System.nanoTime() - t0) / 1_000_000);
            assertThat(r.outcome()).isEqualTo(InvocationOutcome.OK);
            assertThat(out(r)).isEqualTo("alive\n");
        }
        InvocationResult bombResult = bombed.get();
        System.out.println("other tenant's latencies during the fork bomb (ms): " + latencies);
        assertThat(Collections.max(latencies)).as("the other tenant's slowest call, ms").isLessThan(1000);
        assertThat(bombResult.outcome()).isEqualTo(InvocationOutcome.TIMEOUT);
        assertThat(bombResult.stderr()).containsIgnoringCase("fork");
    }

    @Test
    void cannotWriteItsRootOrItsBundleButCanWriteTmp() throws IOException {
        FunctionSpec fn = script("""
                echo x > /x 2>/dev/null && echo root-written || echo root-denied
                echo y > /function/y 2>/dev/null && echo function-written || echo function-denied
                echo z > /tmp/z && echo tmp-written
                id -u
                """);
        InvocationResult result = runtime.invoke(small(), fn, InvocationRequest.of(""));
        assertThat(out(result).lines()).startsWith("root-denied", "function-denied", "tmp-written");
        assertThat(Long.parseLong(out(result).lines().toList().get(3))).isBetween((long) LeaseUids.FIRST,
                (long) LeaseUids.FIRST + LeaseUids.COUNT - 1);
        assertThat(bundle.resolve("y")).doesNotExist();
    }

    /**
     * Tenants share no host uid: each lease's functions run as a uid of its own (named {@code function} inside), cold
     * or warm, never root or the {@code nobody} every tenant shared before; the kernel's per-user limits and same-uid
     * access to {@code /proc/<pid>} then never span two leases.
     */
    @Test
    void twoLeasesFunctionsRunUnderDifferentHostUids() throws IOException {
        FunctionSpec fn = script("id -u; id -g; whoami\n");
        Workload first = small();
        Workload second = small();
        List<String> a = out(runtime.invoke(first, fn, InvocationRequest.of(""))).lines().toList();
        List<String> again = out(runtime.invoke(first, fn, InvocationRequest.of(""))).lines().toList();
        List<String> b = out(runtime.invoke(second, fn, InvocationRequest.of(""))).lines().toList();
        assertThat(a).hasSize(3).element(2).isEqualTo("function");
        assertThat(a.get(1)).isEqualTo(a.get(0));
        assertThat(again).as("the lease's next call").isEqualTo(a);
        assertThat(b.get(0)).isNotEqualTo(a.get(0));
        for (String uid : List.of(a.get(0), b.get(0))) {
            assertThat(Long.parseLong(uid)).isNotIn(0L, 65534L).isBetween((long) LeaseUids.FIRST,
                    (long) LeaseUids.FIRST + LeaseUids.COUNT - 1);
        }
    }

    @Test
    void cannotSeeHostProcesses() throws IOException {
        FunctionSpec fn = script("ls /proc | grep -c '^[0-9]'\ncat /proc/1/cmdline | tr '\\0' ' '\necho\nps -o comm\n");
        InvocationResult result = runtime.invoke(small(), fn, InvocationRequest.of(""));
        List<String> lines = out(result).lines().toList();
        assertThat(Integer.parseInt(lines.get(0))).as("processes visible").isLessThanOrEqualTo(5);
        assertThat(lines.get(1)).startsWith("/bin/sh /function/handler.sh");
        assertThat(out(result)).doesNotContain("java").doesNotContain("runc");
    }

    @Test
    void hasNoNetwork() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            AtomicInteger accepted = new AtomicInteger();
            Thread acceptor = new Thread(() -> {
                try (Socket s = server.accept()) {
                    accepted.incrementAndGet();
                } catch (IOException e) {
                    // closed at the end of the test
                }
            });
            acceptor.start();
            String hostIp = hostAddress();
            FunctionSpec fn = script("""
                    tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '
                    nc -w 2 127.0.0.1 %1$d </dev/null && echo loopback-connected || echo loopback-failed
                    nc -w 2 %2$s %1$d </dev/null && echo host-connected || echo host-failed
                    """.formatted(server.getLocalPort(), hostIp));
            InvocationResult result = runtime.invoke(small(), fn, InvocationRequest.of(""));
            assertThat(out(result).lines()).containsExactly("lo", "loopback-failed", "host-failed");
            assertThat(accepted).hasValue(0);
        }
    }

    @Test
    void timeoutKillsTheFunction() throws IOException {
        long t0 = System.nanoTime();
        InvocationResult result = runtime.invoke(workload(64, 1000, 32, Duration.ofMillis(800)), script("echo started\nsleep 30\n"),
                InvocationRequest.of(""));
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(result.outcome()).isEqualTo(InvocationOutcome.TIMEOUT);
        assertThat(out(result)).isEqualTo("started\n");
        assertThat(elapsedMs).isBetween(800L, 3000L);
    }

    @Test
    void removesALeasesContainersAndReportsNoLeaseAfterwards() throws IOException {
        Workload w = small();
        runtime.invoke(w, script("echo hi\n"), InvocationRequest.of(""));
        runtime.remove(w.leaseId());
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.leasesPresent()).doesNotContain(w.leaseId());
    }

    /** In its own cgroup namespace a function sees its cgroup as the root, not the host's layout (parent, lease id). */
    @Test
    void seesItsOwnCgroupAsTheRootNotTheHostsPaths() throws IOException {
        InvocationResult result = runtime.invoke(small(), script("cat /proc/self/cgroup\n"), InvocationRequest.of(""));
        assertThat(result.outcome()).isEqualTo(InvocationOutcome.OK);
        List<String> lines = out(result).lines().toList();
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line).endsWith(":/"));
        assertThat(out(result)).doesNotContain(cgroupParent);
    }

    /**
     * A static binary (built here from {@code runc/escape-probe.c}) that tries what a hostile tenant tries first. The
     * seccomp allow-list refuses each with EPERM; without it, uid nobody without capabilities could still create a user
     * namespace (and become root in it), read its keyring, trace its own child and open an io_uring. A 32-bit system
     * call (the i386 entry, {@code int 0x80}, the kernel's compat layer) kills the process that makes it
     * ({@code SIGSYS}): the filter admits x86-64 calls only.
     */
    @Test
    void aFunctionCannotCreateNamespacesMountUseTheKeyringTraceOpenAnIoUringOrMakeA32BitSystemCall() throws Exception {
        buildProbe();
        for (boolean cold : List.of(true, false)) {
            FunctionSpec fn = script("exec /function/probe\n");
            InvocationResult result = cold ? runtime.invokeCold(small(), fn, InvocationRequest.of(""))
                    : runtime.invoke(small(), fn, InvocationRequest.of(""));

            assertThat(result.outcome()).as(result.stderr()).isEqualTo(InvocationOutcome.OK);
            assertThat(out(result).lines().toList()).as(cold ? "cold" : "warm").containsExactly(
                    "unshare-user " + SyscallFilter.EPERM, "keyctl " + SyscallFilter.EPERM, "mount " + SyscallFilter.EPERM,
                    "ptrace " + SyscallFilter.EPERM, "io_uring_setup " + SyscallFilter.EPERM,
                    "clone-newns " + SyscallFilter.EPERM, "int80 signal 31");
        }
    }

    /** The probe, compiled once for the class (both tests that run it copy it into their bundle). */
    @TempDir
    static Path compiled;

    /** Puts {@code runc/escape-probe.c}, built statically, into the bundle as {@code /function/probe}. */
    void buildProbe() throws IOException, InterruptedException {
        Path probe = compiled.resolve("probe");
        synchronized (RuncRuntimeTest.class) {
            if (!Files.exists(probe)) {
                Path source = compiled.resolve("escape-probe.c");
                try (var in = RuncRuntimeTest.class.getResourceAsStream("/runc/escape-probe.c")) {
                    Files.copy(in, source);
                }
                Process gcc = new ProcessBuilder("gcc", "-static", "-O1", "-o", probe.toString(), source.toString())
                        .redirectErrorStream(true).start();
                String built = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(gcc.waitFor()).as(built).isZero();
            }
        }
        Files.copy(probe, bundle.resolve("probe"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    }

    @Test
    void descriptorExhaustionAnOutputFloodAndAFullTmpEndThatCallOnlyWhileANeighbourKeepsAnswering() throws Exception {
        buildProbe();
        Path neighbourBundle = Files.createDirectories(data.resolve("neighbour"));
        Files.writeString(neighbourBundle.resolve("handler.sh"), "printf 'still here %s' \"$(cat)\"\n");
        FunctionSpec neighbourFn = FunctionSpec.shell(neighbourBundle, "handler.sh");
        Workload neighbour = small();
        // room in memory for a full /tmp (its pages count against the memory limit)
        Workload hostile = workload(256, 1000, 32, Duration.ofSeconds(3));
        Map<String, String> attacks = new java.util.LinkedHashMap<>();
        attacks.put("descriptors", "exec /function/probe fds\n");
        attacks.put("output flood", "yes flooding-the-agent\n");
        attacks.put("full tmp", "head -c 200000000 /dev/zero > /tmp/fill; echo \"head ended $?\"; stat -c %s /tmp/fill\n");
        for (Map.Entry<String, String> attack : attacks.entrySet()) {
            Files.writeString(bundle.resolve("handler.sh"), attack.getValue());
            InvocationResult hit = runtime.invoke(hostile, FunctionSpec.shell(bundle, "handler.sh"), InvocationRequest.of(""));
            switch (attack.getKey()) {
                // the open-files rlimit stops it inside its own call: 1,024 descriptors minus stdio
                case "descriptors" -> assertThat(out(hit)).matches("fds 10[0-2][0-9] 24\n");
                // kept up to the output bound, the rest drained, and the call ends at its timeout
                case "output flood" -> {
                    assertThat(hit.outcome()).isEqualTo(InvocationOutcome.TIMEOUT);
                    assertThat(hit.stdout().length).isLessThanOrEqualTo(6 * 1024 * 1024);
                }
                // the file stops where /tmp is full (or at the file-size rlimit, its size): the writer fails
                default -> {
                    List<String> lines = out(hit).lines().toList();
                    assertThat(lines.get(0)).startsWith("head ended ").isNotEqualTo("head ended 0");
                    assertThat(Long.parseLong(lines.get(1))).isBetween(60L * 1024 * 1024, 64L * 1024 * 1024);
                }
            }
            InvocationResult other = runtime.invoke(neighbour, neighbourFn, InvocationRequest.of(attack.getKey()));
            assertThat(other.outcome()).as("the neighbour after " + attack.getKey()).isEqualTo(InvocationOutcome.OK);
            assertThat(out(other)).isEqualTo("still here " + attack.getKey());
        }
        // and the hostile lease's own next call runs in a clean container
        Files.writeString(bundle.resolve("handler.sh"), "ls /tmp | wc -l\n");
        InvocationResult after = runtime.invoke(hostile, FunctionSpec.shell(bundle, "handler.sh"), InvocationRequest.of(""));
        assertThat(after.outcome()).isEqualTo(InvocationOutcome.OK);
        assertThat(out(after).strip()).isEqualTo("0");
    }

    static String hostAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a.getHostAddress();
                    }
                }
            }
        }
        return "10.255.255.1";
    }
}
