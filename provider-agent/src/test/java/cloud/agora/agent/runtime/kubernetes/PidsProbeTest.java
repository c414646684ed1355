package cloud.agora.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pids probe's script and what is made of its output. The script runs here for real under busybox
 * {@code sh} and {@code dash} (when present), as a container would: pid 1 of a new pid namespace with its
 * own {@code /proc} ({@code unshare}, needs root), as a uid of its own ({@link FunctionPods#PROBE_UID})
 * whose process limit ({@code RLIMIT_NPROC}, set by {@code prlimit}) stands in for the Pod's pids limit: a
 * fork past either fails the same way ({@code EAGAIN}).
 */
class PidsProbeTest {

    static final int MAX = 16;

    @Test
    void parsesTheCgroupV2FormOfABoundedContainer() {
        PidsProbe.Output output = PidsProbe.Output.parse(ProbeKubelet.output("512", "absent", false, 2, 512)).orElseThrow();

        assertThat(output).isEqualTo(new PidsProbe.Output("512", "absent", false, 2, 512));
        assertThat(output.containerPidsMax()).hasValue(512);
        assertThat(output.counterKilled()).isFalse();
    }

    @Test
    void parsesTheCgroupV1FormOfABoundedContainer() {
        PidsProbe.Output output = PidsProbe.Output.parse(ProbeKubelet.output("absent", "256", false, 2, 256)).orElseThrow();

        assertThat(output.containerPidsMax()).hasValue(256);
        assertThat(output.pidsMaxFound()).isEqualTo("pids.max: cgroup v2 absent, cgroup v1 256");
    }

    @Test
    void aContainerWithoutItsOwnLimitHasNoPidsMax() {
        PidsProbe.Output output = PidsProbe.Output.parse(ProbeKubelet.output("max", "absent", true, 0, MAX + 1)).orElseThrow();

        assertThat(output.containerPidsMax()).isEmpty();
        assertThat(output.counterCompleted()).isTrue();
    }

    @Test
    void anOutputWithoutEveryLineIsNotTheProbes() {
        assertThat(PidsProbe.Output.parse("cgroup2.pids.max=max\ncgroup1.pids.max=absent\n")).isEmpty();
        assertThat(PidsProbe.Output.parse("")).isEmpty();
        assertThat(PidsProbe.Output.parse(ProbeKubelet.output("max", "absent", false, 2, 5).replace("pids.held=5", "pids.held=x")))
                .isEmpty();
    }

    @Test
    void aShellsForkErrorStatusIsAFailedForkButADeathBySignalIsNot() {
        assertThat(new PidsProbe.Output("max", "absent", false, 2, 10).counterKilled()).as("busybox sh, dash").isFalse();
        assertThat(new PidsProbe.Output("max", "absent", false, 254, 10).counterKilled()).as("bash").isFalse();
        assertThat(new PidsProbe.Output("max", "absent", false, 137, 10).counterKilled()).as("SIGKILL").isTrue();
    }

    @Test
    void aFailedForkIsABoundWhateverTheContainersOwnPidsMaxSays() {
        PidsLimitCheck.Finding podLevel = PidsLimitCheck.judge(new PidsProbe.Output("max", "absent", false, 2, 999), 1024);
        PidsLimitCheck.Finding containerLevel = PidsLimitCheck.judge(new PidsProbe.Output("absent", "100", false, 2, 100), 1024);

        assertThat(podLevel.bounded()).isTrue();
        assertThat(podLevel.evidence()).startsWith("at most about 999 processes");
        assertThat(containerLevel.bounded()).isTrue();
        assertThat(containerLevel.evidence()).startsWith("at most 100 processes");
    }

    @Test
    void holdingOneProcessMoreThanTheMaximumIsUnboundedWhateverThePidsMaxSays() {
        PidsLimitCheck.Finding finding = PidsLimitCheck.judge(new PidsProbe.Output("100", "absent", true, 0, MAX + 1), MAX);

        assertThat(finding.bounded()).isFalse();
        assertThat(finding.evidence()).contains("held 17 processes").contains("cgroup v2 100");
    }

    @Test
    void aCountingKilledBeforeItEndedTellsNothing() {
        assertThatThrownBy(() -> PidsLimitCheck.judge(new PidsProbe.Output("max", "absent", false, 137, 40), MAX))
                .isInstanceOf(RuntimeFailureException.class).hasMessageContaining("killed");
    }

    @Test
    void theScriptStopsAtTheFirstFailedForkAndReportsWhatItsContainerHeld() throws Exception {
        for (List<String> shell : shells()) {
            String log = runProbe(shell, 10);

            PidsProbe.Output output = PidsProbe.Output.parse(log).orElseThrow(() -> new AssertionError(shell + ": " + log));
            assertThat(output.counterCompleted()).as(shell + ": " + log).isFalse();
            assertThat(output.counterKilled()).as(shell + ": " + log).isFalse();
            assertThat(output.processesHeld()).as(shell + ": " + log).isEqualTo(10);
            assertThat(PidsLimitCheck.judge(output, MAX).bounded()).isTrue();
        }
    }

    @Test
    void withoutALimitTheScriptHoldsOneProcessMoreThanTheMaximum() throws Exception {
        for (List<String> shell : shells()) {
            String log = runProbe(shell, 0);

            PidsProbe.Output output = PidsProbe.Output.parse(log).orElseThrow(() -> new AssertionError(shell + ": " + log));
            assertThat(output.counterCompleted()).as(shell + ": " + log).isTrue();
            assertThat(output.counterExit()).isZero();
            assertThat(output.processesHeld()).as(shell + ": " + log).isEqualTo(MAX + 1);
            assertThat(PidsLimitCheck.judge(output, MAX).bounded()).isFalse();
        }
    }

    /** The shells on this machine to run the script with: busybox {@code sh} and {@code dash}; skips the test without both tools. */
    static List<List<String>> shells() {
        assumeTrue(isRoot() && onPath("unshare") && onPath("setpriv") && onPath("prlimit"), "root, unshare, setpriv and prlimit");
        List<List<String>> shells = new ArrayList<>();
        if (onPath("busybox")) {
            shells.add(List.of("busybox", "sh"));
        }
        if (onPath("dash")) {
            shells.add(List.of("dash"));
        }
        assumeTrue(!shells.isEmpty(), "busybox or dash");
        return shells;
    }

    /** Runs the script for {@link #MAX} in a pid namespace of its own as the probe's uid, at most {@code nproc} processes (0: no limit). */
    static String runProbe(List<String> shell, int nproc) throws IOException, InterruptedException {
        String uid = Integer.toString(FunctionPods.PROBE_UID);
        List<String> command = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc",
                "setpriv", "--reuid", uid, "--regid", uid, "--clear-groups"));
        if (nproc > 0) {
            command.addAll(List.of("prlimit", "--nproc=" + nproc));
        }
        command.addAll(shell);
        command.addAll(List.of("-c", PidsProbe.script(MAX)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        // when the shell, pid 1 of the namespace, ends, the kernel kills the sleeps it left
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(shell + ": the probe did not end within 30 s");
        }
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
