package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's cgroup on a cgroup v1 host, and on a hybrid one (runc drives the v1 controllers
 * there, and also puts the container in the cgroup2 mount at {@code unified}, which holds no
 * controller the meter needs): CPU ns from {@code cpuacct.usage}, the memory high-water mark from
 * {@code memory.max_usage_in_bytes} (reset by a write of 0), OOM kills from
 * {@code memory.oom_control}, throttling from {@code cpu.stat}; membership
 * ({@code cgroup.procs}) and the freezer ({@code freezer.state}) from the freezer hierarchy.
 */
final class CgroupsV1 extends Cgroups {

    /** Every hierarchy runc makes a directory in for a container. */
    private static final List<String> HIERARCHIES = List.of("cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices",
            "freezer", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc", "systemd", "unified");

    private final Layout layout;

    CgroupsV1(Path root, Layout layout) {
        super(root);
        this.layout = layout;
    }

    /** What a v1 root lacks for the limits runc sets, the meter and the freezer. */
    static List<String> missing(Path root) {
        List<String> missing = new ArrayList<>();
        requireReadable(missing, root.resolve("cpu/cpu.cfs_quota_us"), "the cpu controller: the CPU quota");
        requireReadable(missing, root.resolve("cpuacct/cpuacct.usage"), "the cpuacct controller: the CPU meter");
        requireReadable(missing, root.resolve("memory/memory.max_usage_in_bytes"), "the memory controller: the peak memory meter");
        requireReadable(missing, root.resolve("memory/memory.oom_control"), "the memory controller: OOM kills");
        requireReadable(missing, root.resolve("memory/memory.memsw.limit_in_bytes"),
                "swap accounting: the memory+swap limit; boot with swapaccount=1");
        requireReadable(missing, root.resolve("pids/cgroup.procs"), "the pids controller: the pids limit");
        requireWritable(missing, root.resolve("freezer/cgroup.procs"),
                "the freezer controller: stops a warm call's leftovers; the agent runs as root");
        return missing;
    }

    @Override
    Layout layout() {
        return layout;
    }

    @Override
    long cpuNanos(String cgroupPath) {
        return readLong(dir("cpuacct", cgroupPath).resolve("cpuacct.usage"));
    }

    @Override
    long peakMemoryBytes(String cgroupPath) {
        return readLong(dir("memory", cgroupPath).resolve("memory.max_usage_in_bytes"));
    }

    /** Resets the cgroup's high-water mark (v1 takes a write of 0), which then is this call's. */
    @Override
    PeakWindow startPeakWindow(String cgroupPath) {
        Path file = dir("memory", cgroupPath).resolve("memory.max_usage_in_bytes");
        try {
            Files.writeString(file, "0");
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot reset the memory peak of " + cgroupPath, e);
        }
        return new PeakWindow() {
            @Override
            public long bytes() {
                return readLong(file);
            }

            @Override
            public PeakScope scope() {
                return PeakScope.CALL;
            }

            @Override
            public void close() {
            }
        };
    }

    /** The container's cpuacct.usage, memory.max_usage_in_bytes and memory.oom_control, kept open. */
    @Override
    Meter meter(String cgroupPath) {
        KeptFile cpu = new KeptFile(dir("cpuacct", cgroupPath).resolve("cpuacct.usage"), false);
        KeptFile peak;
        KeptFile oom;
        try {
            peak = new KeptFile(dir("memory", cgroupPath).resolve("memory.max_usage_in_bytes"), true);
        } catch (RuntimeFailureException e) {
            cpu.close();
            throw e;
        }
        try {
            oom = new KeptFile(dir("memory", cgroupPath).resolve("memory.oom_control"), false);
        } catch (RuntimeFailureException e) {
            cpu.close();
            peak.close();
            throw e;
        }
        PeakWindow window = new PeakWindow() {
            @Override
            public long bytes() {
                return peak.readLong();
            }

            @Override
            public PeakScope scope() {
                return PeakScope.CALL;
            }

            @Override
            public void close() {
            }
        };
        return new Meter() {
            @Override
            public long cpuNanos() {
                return cpu.readLong();
            }

            @Override
            public long oomKills() {
                return Math.max(0, oom.keyedValue("oom_kill"));
            }

            @Override
            public PeakWindow startPeakWindow() {
                peak.write("0");
                return window;
            }

            @Override
            public void close() {
                cpu.close();
                peak.close();
                oom.close();
            }
        };
    }

    @Override
    long oomKills(String cgroupPath) {
        return Math.max(0, keyedValue(dir("memory", cgroupPath).resolve("memory.oom_control"), "oom_kill"));
    }

    @Override
    long throttledPeriods(String cgroupPath) {
        return Math.max(0, keyedValue(dir("cpu", cgroupPath).resolve("cpu.stat"), "nr_throttled"));
    }

    /** From the freezer hierarchy (runc puts a container in the same path of every controller). */
    @Override
    long[] processes(String cgroupPath) {
        return readPids(dir("freezer", cgroupPath).resolve("cgroup.procs"));
    }

    @Override
    void freeze(String cgroupPath) {
        write(dir("freezer", cgroupPath).resolve("freezer.state"), "FROZEN");
    }

    @Override
    void thaw(String cgroupPath) {
        write(dir("freezer", cgroupPath).resolve("freezer.state"), "THAWED");
    }

    /** {@code freezer.state} reads {@code FROZEN} (not {@code FREEZING}, on its way, nor {@code THAWED}). */
    @Override
    boolean frozen(String cgroupPath) {
        Path file = dir("freezer", cgroupPath).resolve("freezer.state");
        try {
            return "FROZEN".equals(Files.readString(file).strip());
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }

    /** Whether any hierarchy still has a directory for the cgroup. */
    @Override
    boolean exists(String cgroupPath) {
        return HIERARCHIES.stream().anyMatch(h -> Files.isDirectory(dir(h, cgroupPath)));
    }

    /** Removes the cgroup's directory in every hierarchy. */
    @Override
    void removeQuietly(String cgroupPath) {
        for (String hierarchy : HIERARCHIES) {
            try {
                Files.deleteIfExists(dir(hierarchy, cgroupPath));
            } catch (IOException e) {
                // busy (processes left) or not ours: the next cleanup tries again
            }
        }
    }

    private Path dir(String hierarchy, String cgroupPath) {
        return root.resolve(hierarchy).resolve(relative(cgroupPath));
    }
}
