package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CgroupsV2} against the kernel's own cgroup2 hierarchy, where this machine has one: the
 * hybrid layout's {@code /sys/fs/cgroup/unified} (no controller bound to it, but the core files —
 * {@code cgroup.procs}, {@code cgroup.freeze}, {@code cgroup.events}, {@code cpu.stat usage_usec} —
 * are the same as on a v2 host). A child cgroup is made for the test and removed after it.
 * Skipped where there is no writable cgroup2 mount at that place.
 */
class UnifiedCgroupKernelTest {

    static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");
    static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    CgroupsV2 cgroups;
    String cgroup;
    Path dir;
    Process spinner;
    Process sleeper;

    @BeforeEach
    void makeACgroup() {
        assumeTrue(Files.isRegularFile(UNIFIED.resolve("cgroup.controllers")) && Files.isWritable(UNIFIED),
                "a writable cgroup2 mount at " + UNIFIED);
        cgroup = "/agora-test-" + UUID.randomUUID().toString().substring(0, 8);
        dir = UNIFIED.resolve(cgroup.substring(1));
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            assumeTrue(false, "cannot create a cgroup under " + UNIFIED + ": " + e);
        }
        cgroups = new CgroupsV2(UNIFIED);
    }

    @AfterEach
    void removeIt() throws Exception {
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.writeString(dir.resolve("cgroup.freeze"), "0");
        } finally {
            for (Process p : new Process[] {spinner, sleeper}) {
                if (p != null) {
                    p.destroyForcibly();
                    p.waitFor(60, TimeUnit.SECONDS);
                }
            }
            await(() -> cgroups.processes(cgroup).length == 0, "the cgroup to empty");
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void processesFreezerCpuAndLeftoversOnARealCgroup2Directory() throws Exception {
        spinner = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        sleeper = new ProcessBuilder("sleep", "600").start();
        for (Process p : List.of(spinner, sleeper)) {
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(p.pid())); // what runc does for a container
        }

        assertThat(cgroups.exists(cgroup)).isTrue();
        assertThat(cgroups.processes(cgroup)).containsExactlyInAnyOrder(spinner.pid(), sleeper.pid());
        await(() -> cgroups.cpuNanos(cgroup) >= TimeUnit.MILLISECONDS.toNanos(20), "the spinner's CPU in cpu.stat");

        cgroups.freeze(cgroup);
        await(() -> cgroups.frozen(cgroup), "cgroup.events to read frozen 1");
        assertThat(Files.readString(dir.resolve("cgroup.freeze")).strip()).isEqualTo("1");
        assertThat(state(spinner.pid())).as("the spinner's state while frozen").doesNotStartWith("R");
        long frozenCpu = cgroups.cpuNanos(cgroup);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300)); // a window in which a running spinner would use CPU
        assertThat(cgroups.cpuNanos(cgroup)).as("CPU while frozen").isEqualTo(frozenCpu);

        cgroups.thaw(cgroup);
        await(() -> !cgroups.frozen(cgroup), "cgroup.events to read frozen 0");
        await(() -> cgroups.cpuNanos(cgroup) > frozenCpu, "the spinner to run again");

        // the warm container's cleanup, on the v2 freezer: everything but the kept process dies
        assertThat(Leftovers.clear(cgroups, cgroup, sleeper.pid(), DEADLINE_NANOS)).isTrue();
        assertThat(cgroups.processes(cgroup)).containsExactly(sleeper.pid());
        assertThat(spinner.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(spinner.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(cgroups.frozen(cgroup)).as("thawed after the kill").isFalse();
        assertThat(sleeper.isAlive()).isTrue();

        assertThat(Leftovers.clear(cgroups, cgroup, Leftovers.NONE, DEADLINE_NANOS)).isTrue();
        assertThat(cgroups.processes(cgroup)).isEmpty();
        assertThat(sleeper.waitFor(60, TimeUnit.SECONDS)).isTrue();

        cgroups.removeQuietly(cgroup);
        assertThat(cgroups.exists(cgroup)).isFalse();
    }

    @Test
    void removingABusyCgroupIsQuietAndLeavesIt() throws Exception {
        sleeper = new ProcessBuilder("sleep", "600").start();
        Files.writeString(dir.resolve("cgroup.procs"), Long.toString(sleeper.pid()));

        cgroups.removeQuietly(cgroup);

        assertThat(cgroups.exists(cgroup)).isTrue();
        assertThat(cgroups.namespaceInit(cgroup)).as("no process here is pid 1 of its own namespace").isEqualTo(-1);
    }

    @Test
    void thisHostsHierarchyIsDetectedAsHybridAndDrivenAsV1() {
        assumeTrue(!Files.exists(Cgroups.DEFAULT_ROOT.resolve("cgroup.controllers")), "a v1 or hybrid host");

        assertThat(Cgroups.layout(Cgroups.DEFAULT_ROOT)).isEqualTo(Cgroups.Layout.HYBRID);
        assertThat(Cgroups.open(Cgroups.DEFAULT_ROOT)).isInstanceOf(CgroupsV1.class);
    }

    static String state(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("State:")) {
                return line.substring("State:".length()).strip();
            }
        }
        throw new IllegalStateException("no State in /proc/" + pid + "/status");
    }

    /** Polls until the condition holds, with a deadline generous for a loaded machine. */
    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for " + what).isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
