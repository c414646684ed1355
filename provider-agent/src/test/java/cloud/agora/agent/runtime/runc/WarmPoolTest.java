package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.testsupport.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Warm containers with the real runc: reuse, per-call metering, eviction, and never reusing a broken one. */
class WarmPoolTest {

    @TempDir
    Path data;
    Path bundle;
    RuncRuntime runtime;
    ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

    @BeforeEach
    void start() throws IOException {
        runtime = new RuncRuntime(RuncSettings.under(data, "agora-test-" + UUID.randomUUID().toString().substring(0, 8))
                .withWarmPool(2, Duration.ofSeconds(60)), clock);
        bundle = Files.createDirectories(data.resolve("bundle"));
    }

    @AfterEach
    void stop() {
        runtime.close();
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).isEmpty();
    }

    Workload workload(Duration timeout, int memoryMiB) {
        return new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER, new Limits(memoryMiB, 1000, 32, timeout));
    }

    FunctionSpec script(String body) throws IOException {
        Files.writeString(bundle.resolve("handler.sh"), body);
        return FunctionSpec.shell(bundle, "handler.sh");
    }

    @Test
    void repeatCallsReuseOneContainerWithoutLeakingEnvironment() throws IOException {
        FunctionSpec fn = script("echo \"$(cat) ${GREETING:-unset} $$\"\n");
        Workload w = workload(Duration.ofSeconds(10), 64);

        InvocationResult first = runtime.invoke(w, fn, new InvocationRequest(UUID.randomUUID(),
                "one".getBytes(StandardCharsets.UTF_8), Map.of("GREETING", "hi")));
        InvocationResult second = runtime.invoke(w, fn, InvocationRequest.of("two"));

        assertThat(first.warm()).isFalse();
        assertThat(second.warm()).isTrue();
        assertThat(new String(first.stdout(), StandardCharsets.UTF_8)).startsWith("one hi ");
        assertThat(new String(second.stdout(), StandardCharsets.UTF_8)).startsWith("two unset ");
        assertThat(second.usage().cpuNanos()).isPositive().isLessThan(200_000_000L);
        assertThat(second.usage().peakMemoryBytes()).isPositive();
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).hasSize(1);
        assertThat(runtime.idleWarmContainers()).isEqualTo(1);
    }

    static final String AWKWARD = "-----BEGIN KEY-----\nline two \\n not a newline\r\n\\0012 tab\there $HOME `x` 'q' \"d\"\n\n";

    @Test
    void multiLineValuesWithBackslashesReachTheFunctionExactly() throws IOException {
        FunctionSpec fn = script("printf '%s' \"$SECRET\"\n");
        Workload w = workload(Duration.ofSeconds(10), 64);
        for (int i = 0; i < 2; i++) {
            InvocationResult result = runtime.invoke(w, fn, new InvocationRequest(UUID.randomUUID(), new byte[0],
                    Map.of("SECRET", AWKWARD)));
            assertThat(result.warm()).isEqualTo(i == 1);
            assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo(AWKWARD);
        }
    }

    @Test
    void eachCallGetsItsOwnStderrAndOnlyTheLast64KiB() throws IOException {
        FunctionSpec fn = script("""
                read -r what
                if [ "$what" = big ]; then i=0; while [ $i -lt 1100 ]; do printf '%0100d\\n' $i >&2; i=$((i+1)); done; echo END >&2
                else echo "err of $what" >&2; echo "out of $what"; fi
                """);
        Workload w = workload(Duration.ofSeconds(20), 64);
        InvocationResult one = runtime.invoke(w, fn, InvocationRequest.of("one\n"));
        InvocationResult two = runtime.invoke(w, fn, InvocationRequest.of("two\n"));
        InvocationResult big = runtime.invoke(w, fn, InvocationRequest.of("big\n"));

        assertThat(two.warm()).isTrue();
        assertThat(one.stderr()).isEqualTo("err of one\n");
        assertThat(two.stderr()).isEqualTo("err of two\n");
        assertThat(new String(two.stdout(), StandardCharsets.UTF_8)).isEqualTo("out of two\n");
        assertThat(one.stderrTruncated()).isFalse();
        assertThat(big.warm()).isTrue();
        assertThat(big.stderrTruncated()).isTrue();
        assertThat(big.stderr()).hasSize(64 * 1024).endsWith("00001099\nEND\n");
        assertThat(big.stdout()).isEmpty();
    }

    @Test
    void aScriptRunsWithItsPathAsZeroItsExitStatusAndNoneOfTheExecutorsVariables() throws IOException {
        // $$ is the executor's (pid 1 of the container): the script was read by the executor's fork, not exec'd
        FunctionSpec fn = script("echo \"$0|$#|$(set | grep -c '^AGORA_X_')|$$|$(cat)\"\nexit 3\necho not reached\n");
        Workload w = workload(Duration.ofSeconds(10), 64);
        for (int i = 0; i < 2; i++) {
            InvocationResult result = runtime.invoke(w, fn, InvocationRequest.of("body" + i));
            assertThat(result.warm()).isEqualTo(i == 1);
            assertThat(result.exitCode()).isEqualTo(3);
            assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("/function/handler.sh|0|0|1|body" + i + "\n");
        }
    }

    @Test
    void envNamedLikeShellLoopVariablesReachesTheFunctionExactly() throws IOException {
        // the executor reads a call's env lines in a loop of its own: no env name may change that loop
        FunctionSpec fn = script("printf '%s,' \"$call\" \"$n\" \"$i\" \"$kv\" \"$v\" \"$IFS\"; cat\n");
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("call", "c");
        env.put("n", "0");
        env.put("i", "x");
        env.put("kv", "k");
        env.put("v", "line\nbreak");
        env.put("IFS", "-");
        Workload w = workload(Duration.ofSeconds(10), 64);
        for (int i = 0; i < 2; i++) {
            InvocationResult result = runtime.invoke(w, fn, new InvocationRequest(UUID.randomUUID(),
                    ("body" + i).getBytes(StandardCharsets.UTF_8), env));
            assertThat(result.outcome()).isEqualTo(InvocationOutcome.OK);
            assertThat(result.warm()).isEqualTo(i == 1);
            assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("c,0,x,k,line\nbreak,-,body" + i);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 90, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aDeadlineStrikingBeforeTheExecutorReadsTheCallStillEndsIt() throws Exception {
        FunctionSpec fn = script("read -r what\nif [ \"$what\" = spin ]; then while :; do :; done; fi\necho ok\n");
        UUID lease = UUID.randomUUID();
        InvocationResult warmUp = runtime.invoke(new Workload(lease, RuncRuntimeTest.CONSUMER,
                new Limits(64, 1000, 32, Duration.ofSeconds(30))), fn, InvocationRequest.of("hi\n"));
        assertThat(warmUp.outcome()).isEqualTo(InvocationOutcome.OK);
        String cgroup = runtime.cgroupPath(runtime.containers().get(0));
        long deadlinesRun = runtime.deadlines().struck();
        // frozen, the executor can neither read the call nor fork for it: the deadline finds only the executor
        runtime.cgroups().freeze(cgroup);
        Thread thawer = new Thread(() -> {
            try {
                while (runtime.deadlines().struck() == deadlinesRun) {
                    Thread.sleep(10); // polling for the event: the call's deadline ran
                }
                Thread.sleep(200); // and its first clearing with it, which found nothing but the executor
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                runtime.cgroups().thaw(cgroup); // now the executor reads the call and the function spins
            }
        });
        thawer.start();
        long t0 = System.nanoTime();
        InvocationResult spun = runtime.invoke(new Workload(lease, RuncRuntimeTest.CONSUMER,
                new Limits(64, 1000, 32, Duration.ofMillis(300))), fn, InvocationRequest.of("spin\n"));
        thawer.join();
        assertThat(spun.outcome()).isEqualTo(InvocationOutcome.TIMEOUT);
        assertThat(spun.warm()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void carriesBinaryBodiesExactly() throws IOException {
        FunctionSpec fn = script("cat\n");
        Workload w = workload(Duration.ofSeconds(10), 64);
        byte[] body = new byte[300_000];
        new java.util.Random(1).nextBytes(body);
        runtime.invoke(w, fn, InvocationRequest.of("warm-up"));
        InvocationResult result = runtime.invoke(w, fn, new InvocationRequest(UUID.randomUUID(), body, Map.of()));
        assertThat(result.warm()).isTrue();
        assertThat(result.stdout()).isEqualTo(body);
    }

    @Test
    void evictsContainersIdleForLongerThanTheIdleTime() throws IOException {
        FunctionSpec fn = script("echo ok\n");
        runtime.invoke(workload(Duration.ofSeconds(10), 64), fn, InvocationRequest.of(""));
        assertThat(runtime.evictIdle()).isZero();
        clock.advance(Duration.ofSeconds(61));
        assertThat(runtime.evictIdle()).isEqualTo(1);
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).isEmpty();
    }

    @Test
    void timedOutOrOutOfMemoryContainersAreNeverReused() throws IOException {
        Workload w = workload(Duration.ofMillis(700), 16);
        long t0 = System.nanoTime();
        InvocationResult slow = runtime.invoke(w, script("sleep 60\n"), InvocationRequest.of(""));
        assertThat(slow.outcome()).isEqualTo(InvocationOutcome.TIMEOUT);
        // the deadline ends the call (its processes killed, the executor's answer read), not the function's end
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        // its own, long timeout: on a loaded machine the memory hog must meet its limit, not the 700 ms
        InvocationResult hungry = runtime.invoke(workload(Duration.ofSeconds(30), 16),
                script("x=$(head -c 48000000 /dev/zero | tr '\\0' a)\necho ${#x}\n"),
                InvocationRequest.of(""));
        assertThat(hungry.outcome()).isEqualTo(InvocationOutcome.OUT_OF_MEMORY);
        assertThat(runtime.idleWarmContainers()).isZero();
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).isEmpty();
    }

}
