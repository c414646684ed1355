package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's accounting of a container's cgroup (cgroup v1, the hierarchy runc 1.1 drives
 * on this project's hybrid hosts): CPU ns from {@code cpuacct.usage}, the memory high-water
 * mark from {@code memory.max_usage_in_bytes}, OOM kills from {@code memory.oom_control}; and
 * its membership ({@code cgroup.procs}) and freezer ({@code freezer.state}), through which
 * {@link Leftovers} stops every process a call left behind.
 */
final class Cgroups {

    static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final List<String> CONTROLLERS = List.of("cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices",
            "freezer", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc", "systemd", "unified");

    private Cgroups() {
    }

    /** Whether the v1 controllers the meter reads, and the freezer that stops a call's leftovers, are mounted. */
    static boolean v1Available() {
        return Files.isReadable(ROOT.resolve("cpuacct/cpuacct.usage")) && Files.isDirectory(ROOT.resolve("memory"))
                && Files.isWritable(ROOT.resolve("freezer/cgroup.procs"));
    }

    /** CPU time of every process ever in the cgroup, in ns. */
    static long cpuNanos(String cgroupPath) {
        return readLong(ROOT.resolve("cpuacct").resolve(relative(cgroupPath)).resolve("cpuacct.usage"));
    }

    /** The memory high-water mark since creation or the last {@link #resetPeakMemory}. */
    static long peakMemoryBytes(String cgroupPath) {
        return readLong(ROOT.resolve("memory").resolve(relative(cgroupPath)).resolve("memory.max_usage_in_bytes"));
    }

    /** Starts a new memory high-water mark (cgroup v1 resets it on a write of 0). */
    static void resetPeakMemory(String cgroupPath) {
        try {
            Files.writeString(ROOT.resolve("memory").resolve(relative(cgroupPath)).resolve("memory.max_usage_in_bytes"), "0");
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot reset the memory peak of " + cgroupPath, e);
        }
    }

    /** How many processes the OOM killer killed in the cgroup. */
    static long oomKills(String cgroupPath) {
        Path file = ROOT.resolve("memory").resolve(relative(cgroupPath)).resolve("memory.oom_control");
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring("oom_kill ".length()).strip());
                }
            }
            return 0;
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }

    /** Throttled periods so far ({@code cpu.stat nr_throttled}). */
    static long throttledPeriods(String cgroupPath) {
        Path file = ROOT.resolve("cpu").resolve(relative(cgroupPath)).resolve("cpu.stat");
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("nr_throttled ")) {
                    return Long.parseLong(line.substring("nr_throttled ".length()).strip());
                }
            }
            return 0;
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }

    /**
     * The processes (thread-group ids, host pid namespace) in the cgroup now, from the freezer
     * hierarchy's {@code cgroup.procs} (runc puts a container in the same path of every
     * controller). Exited processes are not listed, zombies included.
     */
    static long[] processes(String cgroupPath) {
        Path file = ROOT.resolve("freezer").resolve(relative(cgroupPath)).resolve("cgroup.procs");
        try {
            String text = Files.readString(file);
            long[] pids = new long[8];
            int count = 0;
            long value = -1;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c >= '0' && c <= '9') {
                    value = (value < 0 ? 0 : value * 10) + (c - '0');
                } else if (value >= 0) {
                    if (count == pids.length) {
                        pids = java.util.Arrays.copyOf(pids, count * 2);
                    }
                    pids[count++] = value;
                    value = -1;
                }
            }
            if (value >= 0) {
                pids = count == pids.length ? java.util.Arrays.copyOf(pids, count + 1) : pids;
                pids[count++] = value;
            }
            return java.util.Arrays.copyOf(pids, count);
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }

    /**
     * The host pid of the process that is pid 1 of the container's pid namespace (its first
     * process: runc's init until it execs, then the container's entry point), or -1 if none is
     * in the cgroup. Read from {@code NSpid} in {@code /proc/<pid>/status}: the kernel's view,
     * which a process of the container cannot fake.
     */
    static long namespaceInit(String cgroupPath) {
        for (long pid : processes(cgroupPath)) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("NSpid:")) {
                        String[] ids = line.substring("NSpid:".length()).strip().split("\\s+");
                        if (ids.length >= 2 && ids[ids.length - 1].equals("1")) {
                            return pid;
                        }
                        break;
                    }
                }
            } catch (IOException e) {
                // exited meanwhile
            }
        }
        return -1;
    }

    /** Asks the v1 freezer to stop every process of the cgroup ({@code FROZEN}) or let them run ({@code THAWED}). */
    static void setFreezer(String cgroupPath, String state) {
        Path file = ROOT.resolve("freezer").resolve(relative(cgroupPath)).resolve("freezer.state");
        try {
            Files.writeString(file, state);
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot write " + state + " to " + file, e);
        }
    }

    /** The freezer's state: {@code THAWED}, {@code FREEZING} (on its way) or {@code FROZEN} (every process stopped). */
    static String freezerState(String cgroupPath) {
        Path file = ROOT.resolve("freezer").resolve(relative(cgroupPath)).resolve("freezer.state");
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }

    /** Whether any controller still has a directory for the cgroup. */
    static boolean exists(String cgroupPath) {
        return CONTROLLERS.stream().anyMatch(c -> Files.isDirectory(ROOT.resolve(c).resolve(relative(cgroupPath))));
    }

    /** Removes the cgroup's (empty) directories in every controller; quiet when absent or busy. */
    static void removeQuietly(String cgroupPath) {
        for (String controller : CONTROLLERS) {
            Path dir = ROOT.resolve(controller).resolve(relative(cgroupPath));
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // busy (processes left) or not ours: the next cleanup tries again
            }
        }
    }

    private static String relative(String cgroupPath) {
        return cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath;
    }

    private static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }
}
