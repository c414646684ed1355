package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Cgroups} against recorded cgroup trees ({@code src/test/resources/cgroups/}: a cgroup v2
 * root, a v1 root, a hybrid one and one with neither), each file in the format the kernel writes
 * it, copied to a temporary directory so that the agent's writes land there. Where a test plays
 * the kernel (the freezer reaching its state, a reset peak), it rewrites the file the way the
 * kernel would present it.
 */
class CgroupsTest {

    static final String CONTAINER = "/agora/agora-test-1";
    /** A kernel file that refuses to be opened for writing even by root, as an unwritable cgroup file does. */
    static final Path READ_ONLY_KERNEL_FILE = Path.of("/proc/sys/kernel/ngroups_max");

    @TempDir
    Path temp;

    Path tree(String name) throws IOException {
        Path source;
        try {
            source = Path.of(CgroupsTest.class.getResource("/cgroups/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Path root = temp.resolve(name);
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : paths.toList()) {
                Path target = root.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
        return root;
    }

    static void replaceWithReadOnlyKernelFile(Path file) throws IOException {
        assumeTrue(Files.isReadable(READ_ONLY_KERNEL_FILE) && !Files.isWritable(READ_ONLY_KERNEL_FILE),
                READ_ONLY_KERNEL_FILE + " is readable and refuses writes");
        Files.delete(file);
        Files.createSymbolicLink(file, READ_ONLY_KERNEL_FILE);
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    // ---- cgroup v2 ----

    @Test
    void aUnifiedRootIsV2AndEveryValueIsReadFromTheContainersOwnDirectory() throws IOException {
        Path root = tree("v2");

        assertThat(Cgroups.layout(root)).isEqualTo(Cgroups.Layout.V2);
        assertThat(Cgroups.unusable(root)).isEmpty();
        Cgroups cgroups = Cgroups.open(root);

        assertThat(cgroups).isInstanceOf(CgroupsV2.class);
        assertThat(cgroups.layout()).isEqualTo(Cgroups.Layout.V2);
        assertThat(cgroups.cpuNanos(CONTAINER)).isEqualTo(812_345_000L); // usage_usec × 1000
        assertThat(cgroups.peakMemoryBytes(CONTAINER)).isEqualTo(14_680_064L); // memory.peak
        assertThat(cgroups.oomKills(CONTAINER)).isEqualTo(1); // memory.events oom_kill, not oom or oom_group_kill
        assertThat(cgroups.throttledPeriods(CONTAINER)).isEqualTo(37);
        assertThat(cgroups.processes(CONTAINER)).containsExactly(4242, 4250, 4251);
        assertThat(cgroups.exists(CONTAINER)).isTrue();
        assertThat(cgroups.exists("/agora/agora-gone")).isFalse();
    }

    @Test
    void theV2FreezerIsCgroupFreezeAndTheCgroupIsFrozenOnlyOnceCgroupEventsSaysSo() throws IOException {
        Path root = tree("v2");
        Path dir = root.resolve("agora/agora-test-1");
        Cgroups cgroups = Cgroups.open(root);

        cgroups.freeze(CONTAINER);
        assertThat(Files.readString(dir.resolve("cgroup.freeze"))).isEqualTo("1");
        assertThat(cgroups.frozen(CONTAINER)).as("asked, not yet frozen").isFalse();

        Files.writeString(dir.resolve("cgroup.events"), "populated 1\nfrozen 1\n"); // every process stopped
        assertThat(cgroups.frozen(CONTAINER)).isTrue();

        cgroups.thaw(CONTAINER);
        assertThat(Files.readString(dir.resolve("cgroup.freeze"))).isEqualTo("0");
        Files.writeString(dir.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        assertThat(cgroups.frozen(CONTAINER)).isFalse();
    }

    @Test
    void aWarmCallsPeakIsResetThroughItsOwnDescriptorAndReadBackThroughIt() throws IOException {
        Path root = tree("v2");
        Path peak = root.resolve("agora/agora-test-1/memory.peak");
        Cgroups cgroups = Cgroups.open(root);

        try (Cgroups.PeakWindow window = cgroups.startPeakWindow(CONTAINER)) {
            assertThat(window.scope()).isEqualTo(Cgroups.PeakScope.CALL);
            assertThat(Files.readString(peak)).as("the reset written to memory.peak").startsWith("reset");

            Files.writeString(peak, "4194304\n"); // the kernel: the peak since the reset, for this descriptor
            Files.delete(peak);
            Files.writeString(peak, "99999999\n"); // what a descriptor opened afresh would read instead
            assertThat(window.bytes()).isEqualTo(4_194_304L);
        }
        assertThat(cgroups.peakMemoryBytes(CONTAINER)).as("the lifetime peak, opened afresh").isEqualTo(99_999_999L);
    }

    @Test
    void whereTheKernelRefusesTheResetAWarmCallIsChargedTheContainersLifetimePeak() throws IOException {
        Path root = tree("v2");
        Path peak = root.resolve("agora/agora-test-1/memory.peak");
        replaceWithReadOnlyKernelFile(peak); // memory.peak before 6.12 is read-only
        long lifetime = Long.parseLong(Files.readString(READ_ONLY_KERNEL_FILE).strip());
        Cgroups cgroups = Cgroups.open(root);

        try (Cgroups.PeakWindow window = cgroups.startPeakWindow(CONTAINER)) {
            assertThat(window.scope()).isEqualTo(Cgroups.PeakScope.CONTAINER);
            assertThat(window.bytes()).isEqualTo(lifetime);
        }
    }

    @Test
    void withoutMemoryPeakTheUsageAtTheEndStandsInForThePeak() throws IOException {
        Path root = tree("v2");
        Files.delete(root.resolve("agora/agora-test-1/memory.peak")); // kernel before 5.19
        Cgroups cgroups = Cgroups.open(root);

        assertThat(cgroups.peakMemoryBytes(CONTAINER)).isEqualTo(9_437_184L); // memory.current
        try (Cgroups.PeakWindow window = cgroups.startPeakWindow(CONTAINER)) {
            assertThat(window.scope()).isEqualTo(Cgroups.PeakScope.CURRENT);
            Files.writeString(root.resolve("agora/agora-test-1/memory.current"), "10485760\n");
            assertThat(window.bytes()).isEqualTo(10_485_760L);
        }
    }

    @Test
    void aV2CgroupIsRemovedWhenEmptyAndQuietlyKeptWhenBusyOrAbsent() throws IOException {
        Path root = tree("v2");
        Files.createDirectory(root.resolve("agora/agora-empty"));
        Cgroups cgroups = Cgroups.open(root);

        cgroups.removeQuietly("/agora/agora-empty");
        cgroups.removeQuietly(CONTAINER); // not empty here, as a cgroup with processes is busy to rmdir
        cgroups.removeQuietly("/agora/agora-gone");

        assertThat(cgroups.exists("/agora/agora-empty")).isFalse();
        assertThat(cgroups.exists(CONTAINER)).isTrue();
    }

    // ---- cgroup v1 and hybrid ----

    @Test
    void aV1RootReadsEachValueFromItsControllersHierarchy() throws IOException {
        Path root = tree("v1");

        assertThat(Cgroups.layout(root)).isEqualTo(Cgroups.Layout.V1);
        assertThat(Cgroups.unusable(root)).isEmpty();
        Cgroups cgroups = Cgroups.open(root);

        assertThat(cgroups).isInstanceOf(CgroupsV1.class);
        assertThat(cgroups.cpuNanos(CONTAINER)).isEqualTo(812_345_678L); // cpuacct.usage
        assertThat(cgroups.peakMemoryBytes(CONTAINER)).isEqualTo(13_631_488L); // memory.max_usage_in_bytes
        assertThat(cgroups.oomKills(CONTAINER)).isEqualTo(2); // memory.oom_control oom_kill
        assertThat(cgroups.throttledPeriods(CONTAINER)).isEqualTo(37); // cpu.stat nr_throttled
        assertThat(cgroups.processes(CONTAINER)).containsExactly(4242, 4250, 4251); // the freezer's cgroup.procs
        assertThat(cgroups.exists(CONTAINER)).isTrue();
    }

    @Test
    void theV1PeakIsResetByAWriteOfZero() throws IOException {
        Path root = tree("v1");
        Path peak = root.resolve("memory/agora/agora-test-1/memory.max_usage_in_bytes");
        Cgroups cgroups = Cgroups.open(root);

        try (Cgroups.PeakWindow window = cgroups.startPeakWindow(CONTAINER)) {
            assertThat(Files.readString(peak)).isEqualTo("0");
            assertThat(window.scope()).isEqualTo(Cgroups.PeakScope.CALL);
            Files.writeString(peak, "2097152\n");
            assertThat(window.bytes()).isEqualTo(2_097_152L);
        }
    }

    @Test
    void theV1FreezerIsFreezerStateAndFreezingIsNotFrozen() throws IOException {
        Path root = tree("v1");
        Path state = root.resolve("freezer/agora/agora-test-1/freezer.state");
        Cgroups cgroups = Cgroups.open(root);

        cgroups.freeze(CONTAINER);
        assertThat(Files.readString(state)).isEqualTo("FROZEN");
        Files.writeString(state, "FREEZING\n");
        assertThat(cgroups.frozen(CONTAINER)).isFalse();
        Files.writeString(state, "FROZEN\n");
        assertThat(cgroups.frozen(CONTAINER)).isTrue();
        cgroups.thaw(CONTAINER);
        assertThat(Files.readString(state)).isEqualTo("THAWED");
        assertThat(cgroups.frozen(CONTAINER)).isFalse();
    }

    @Test
    void aHybridRootIsDrivenAsV1AndItsUnifiedDirectoryIsRemovedWithTheRest() throws IOException {
        Path root = tree("hybrid");

        assertThat(Cgroups.layout(root)).isEqualTo(Cgroups.Layout.HYBRID);
        assertThat(Cgroups.unusable(root)).isEmpty();
        Cgroups cgroups = Cgroups.open(root);

        assertThat(cgroups).isInstanceOf(CgroupsV1.class);
        assertThat(cgroups.layout()).isEqualTo(Cgroups.Layout.HYBRID);
        assertThat(cgroups.cpuNanos(CONTAINER)).as("cpuacct.usage, not unified's cpu.stat").isEqualTo(812_345_678L);

        String gone = "/agora/agora-gone";
        for (String hierarchy : List.of("cpu", "memory", "freezer", "unified")) {
            Files.createDirectories(root.resolve(hierarchy).resolve("agora/agora-gone"));
        }
        cgroups.removeQuietly(gone);
        assertThat(cgroups.exists(gone)).isFalse();

        Files.createDirectories(root.resolve("unified/agora/agora-gone"));
        assertThat(cgroups.exists(gone)).as("a directory left in unified alone").isTrue();
    }

    // ---- refusal ----

    @Test
    void aRootWithNeitherHierarchyIsRefusedNamingBoth() throws IOException {
        Path root = tree("none");

        assertThat(Cgroups.layout(root)).isEqualTo(Cgroups.Layout.NONE);
        assertThat(Cgroups.unusable(root)).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("no cgroup hierarchy at " + root)
                .contains("neither cgroup v2 (" + root.resolve("cgroup.controllers") + ")")
                .contains("nor cgroup v1 controllers (" + root.resolve("cpuacct"))
                .contains("the cgroup2 mount at " + root.resolve("unified") + " alone is not enough"));
        assertThatThrownBy(() -> Cgroups.open(root)).isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("neither cgroup v2");
    }

    @Test
    void aV2RootWithoutTheMemoryAndPidsControllersIsRefusedNamingThem() throws IOException {
        Path root = tree("v2");
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io\n");

        assertThat(Cgroups.unusable(root)).hasValue("cgroup v2 (unified) at " + root + " cannot serve the runc driver: "
                + "the memory, pids controllers are not available (" + root.resolve("cgroup.controllers")
                + " lists \"cpuset cpu io\"; needed for the CPU quota and meter, the memory limit and meter, and the pids limit)");
        assertThatThrownBy(() -> Cgroups.open(root)).hasMessageContaining("the memory, pids controllers are not available");
    }

    @Test
    void aV2RootWhoseSubtreeControlCannotBeWrittenIsRefused() throws IOException {
        Path root = tree("v2");
        replaceWithReadOnlyKernelFile(root.resolve("cgroup.subtree_control"));

        assertThat(Cgroups.unusable(root)).hasValueSatisfying(reason -> assertThat(reason)
                .contains(root.resolve("cgroup.subtree_control") + " is not writable (runc enables the controllers"));
    }

    @Test
    void aV1RootWithoutAFreezerOrSwapAccountingIsRefusedNamingTheFiles() throws IOException {
        Path root = tree("v1");
        deleteTree(root.resolve("freezer"));
        Files.delete(root.resolve("memory/memory.memsw.limit_in_bytes"));

        assertThat(Cgroups.layout(root)).isEqualTo(Cgroups.Layout.V1);
        assertThat(Cgroups.unusable(root)).hasValue("cgroup v1 at " + root + " cannot serve the runc driver: "
                + root.resolve("memory/memory.memsw.limit_in_bytes")
                + " is missing (swap accounting: the memory+swap limit; boot with swapaccount=1); "
                + root.resolve("freezer/cgroup.procs")
                + " is missing (the freezer controller: stops a warm call's leftovers; the agent runs as root)");
    }

    @Test
    void aV1FreezerTheAgentCannotWriteIsRefused() throws IOException {
        Path root = tree("v1");
        replaceWithReadOnlyKernelFile(root.resolve("freezer/cgroup.procs"));

        assertThat(Cgroups.unusable(root)).hasValueSatisfying(reason -> assertThat(reason)
                .contains(root.resolve("freezer/cgroup.procs") + " is not writable (the freezer controller"));
    }

    @Test
    void theDriversRefusalNamesAMissingRuncAsWellAsTheCgroups() throws IOException {
        Path root = tree("none");

        assertThat(RuncRuntime.unusable("/nonexistent/runc", root)).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("runc (/nonexistent/runc) does not run: install it with scripts/setup.d/50-runc.sh; ")
                .contains("no cgroup hierarchy at " + root));
    }

    @Test
    void theDriverIsUsableWithRuncAndAUsableV2Root() throws IOException {
        assumeFalse(new Runc("runc", Path.of("/run/runc")).version() == null, "runc is installed");
        assertThat(RuncRuntime.unusable("runc", tree("v2"))).isEmpty();
    }
}
