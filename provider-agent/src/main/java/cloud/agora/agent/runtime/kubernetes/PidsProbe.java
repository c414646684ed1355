package cloud.agora.agent.runtime.kubernetes;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the pids probe Pod runs and what it prints. Kubernetes has no pids limit in the Pod spec: the
 * bound is the kubelet's {@code podPidsLimit}, which the kubelet writes to the Pod's cgroup, the
 * parent of the container's, and which a container therefore cannot read (its own
 * {@code pids.max} says {@code max} unless the container runtime sets a limit of its own). So the
 * probe prints its container's {@code pids.max} (cgroup v2 {@code /sys/fs/cgroup/pids.max},
 * cgroup v1 {@code /sys/fs/cgroup/pids/pids.max}) and then measures: it starts {@code sleep}
 * processes until its container holds one more than the maximum allowed, or until a fork fails,
 * whichever comes first, and prints how many processes its container held then. Once the shell
 * ends, the kernel kills what is left in the container's pid namespace.
 *
 * <p>The output, one {@code key=value} a line (other lines, such as the shell's "can't fork", are
 * ignored):
 * <pre>
 * cgroup2.pids.max=&lt;number | max | absent&gt;
 * cgroup1.pids.max=&lt;number | max | absent&gt;
 * pids.counter=completed          (only when every process started)
 * pids.counter.exit=&lt;exit status of the counting subshell&gt;
 * pids.held=&lt;processes the container held when the counting stopped&gt;
 * </pre>
 * Only shell builtins run after the counting stops (no fork is needed to report it).
 */
public final class PidsProbe {

    static final String CGROUP2 = "cgroup2.pids.max";
    static final String CGROUP1 = "cgroup1.pids.max";
    static final String COUNTER = "pids.counter";
    static final String COUNTER_EXIT = "pids.counter.exit";
    static final String HELD = "pids.held";
    static final String COMPLETED = "completed";
    static final String ABSENT = "absent";
    /** The highest Linux signal number: a shell reports death by signal n as exit status 128 + n. */
    static final int MAX_SIGNAL = 64;

    private PidsProbe() {
    }

    /**
     * The probe's shell script for a maximum of {@code maxPodPids} processes: the counting subshell
     * and the shell that runs it count two, so it starts {@code maxPodPids - 1} {@code sleep}s.
     */
    public static String script(int maxPodPids) {
        return "v=; read -r v 2>/dev/null </sys/fs/cgroup/pids.max; echo \"" + CGROUP2 + "=${v:-" + ABSENT + "}\"\n"
                + "v=; read -r v 2>/dev/null </sys/fs/cgroup/pids/pids.max; echo \"" + CGROUP1 + "=${v:-" + ABSENT + "}\"\n"
                + "(i=0; while [ \"$i\" -lt " + (maxPodPids - 1) + " ]; do sleep 600 & i=$((i+1)); done; echo " + COUNTER + "="
                + COMPLETED + ")\n"
                + "rc=$?\n"
                + "n=1; for p in /proc/[0-9]*; do n=$((n+1)); done\n"
                + "echo \"" + COUNTER_EXIT + "=$rc\"\n"
                + "echo \"" + HELD + "=$n\"\n";
    }

    /**
     * What the probe printed.
     *
     * @param cgroup2PidsMax   the container's cgroup v2 {@code pids.max}: a number, {@code max}, or {@code absent}
     * @param cgroup1PidsMax   the same under cgroup v1
     * @param counterCompleted whether every process started (the container then held one more than the maximum)
     * @param counterExit      the counting subshell's exit status: 0 when it completed, the shell's error status when a
     *                         fork failed (2 for busybox {@code sh} and {@code dash}, 254 for {@code bash}), 128 + the
     *                         signal when it was killed
     * @param processesHeld    how many processes the container held when the counting stopped
     */
    public record Output(String cgroup2PidsMax, String cgroup1PidsMax, boolean counterCompleted, int counterExit,
            int processesHeld) {

        /** The output in a log, or empty when a line is missing or malformed (the probe did not run to its end). */
        public static Optional<Output> parse(String log) {
            Map<String, String> values = new HashMap<>();
            for (String line : log.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.putIfAbsent(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
            String cgroup2 = values.get(CGROUP2);
            String cgroup1 = values.get(CGROUP1);
            String exit = values.get(COUNTER_EXIT);
            String held = values.get(HELD);
            if (cgroup2 == null || cgroup1 == null || exit == null || held == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Output(cgroup2, cgroup1, COMPLETED.equals(values.get(COUNTER)), Integer.parseInt(exit),
                        Integer.parseInt(held)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        /** Whether the counting subshell was killed by a signal (out of memory, say) rather than stopped by a failed fork. */
        public boolean counterKilled() {
            return !counterCompleted && counterExit > 128 && counterExit <= 128 + MAX_SIGNAL;
        }

        /** The container's own pids limit: the lower of the two {@code pids.max} that are numbers, if any is. */
        public OptionalLong containerPidsMax() {
            OptionalLong v2 = number(cgroup2PidsMax);
            OptionalLong v1 = number(cgroup1PidsMax);
            if (v2.isPresent() && v1.isPresent()) {
                return OptionalLong.of(Math.min(v2.getAsLong(), v1.getAsLong()));
            }
            return v2.isPresent() ? v2 : v1;
        }

        /** Both files as found, for messages: {@code pids.max: cgroup v2 max, cgroup v1 absent}. */
        public String pidsMaxFound() {
            return "pids.max: cgroup v2 " + cgroup2PidsMax + ", cgroup v1 " + cgroup1PidsMax;
        }

        private static OptionalLong number(String value) {
            try {
                return OptionalLong.of(Long.parseLong(value));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
    }
}
