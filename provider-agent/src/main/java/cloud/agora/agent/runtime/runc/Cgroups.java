package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's accounting and control of a container's cgroup, for the meter (CPU ns, the
 * memory high-water mark, OOM kills, throttled periods) and for {@link Leftovers} (the
 * processes in the cgroup and the freezer that stops them). runc puts each container in
 * {@code /<parent>/<container id>} under the host's cgroup root; which files hold these values
 * depends on the hierarchy the host booted, found by {@link #layout}: cgroup v1
 * ({@link CgroupsV1}, hybrid hosts included, where runc drives the v1 controllers) or the
 * unified cgroup v2 ({@link CgroupsV2}). {@link #open} refuses a root where neither is usable
 * and says which files or controllers are missing.
 */
abstract sealed class Cgroups permits CgroupsV1, CgroupsV2 {

    static final Path DEFAULT_ROOT = Path.of("/sys/fs/cgroup");

    /** The cgroup hierarchy a host booted, as seen under its cgroup root. */
    enum Layout {
        /** One mount per v1 controller under the root. */
        V1("cgroup v1"),
        /** v1 controllers plus a cgroup2 mount at {@code unified}: runc drives v1, and so does the agent. */
        HYBRID("cgroup v1 (hybrid, with a cgroup2 mount at unified)"),
        /** The root is a cgroup2 mount ({@code cgroup.controllers}). */
        V2("cgroup v2 (unified)"),
        /** Neither. */
        NONE("no cgroup hierarchy");

        final String description;

        Layout(String description) {
            this.description = description;
        }
    }

    /** Which of a container's memory high-water marks a {@link PeakWindow} reports. */
    enum PeakScope {
        /** The peak since the window opened: this call's. */
        CALL,
        /** The peak since the container's cgroup was created (v2 before kernel 6.12: memory.peak cannot be reset). */
        CONTAINER,
        /** No peak at all, the usage when read (v2 before kernel 5.19: no memory.peak). */
        CURRENT
    }

    /** The memory high-water mark of one warm call, from a reset at its start to {@link #bytes}; closed after the call. */
    interface PeakWindow extends AutoCloseable {

        long bytes();

        PeakScope scope();

        @Override
        void close();
    }

    /**
     * One container's meter for its calls: CPU, OOM kills and peak windows as {@link #cpuNanos}, {@link #oomKills} and
     * {@link #startPeakWindow} give them. A v1 meter keeps its files open and reads each with one {@code pread} at offset
     * 0 (the kernel regenerates a cgroup file read from its start): no open, stat and close per figure, three times per
     * call. Used by one call at a time; closed with its container.
     */
    interface Meter extends AutoCloseable {

        long cpuNanos();

        long oomKills();

        PeakWindow startPeakWindow();

        @Override
        void close();
    }

    /** A meter of the cgroup at {@code cgroupPath}, which exists; reading it after the cgroup is gone fails. */
    Meter meter(String cgroupPath) {
        return new Meter() {
            @Override
            public long cpuNanos() {
                return Cgroups.this.cpuNanos(cgroupPath);
            }

            @Override
            public long oomKills() {
                return Cgroups.this.oomKills(cgroupPath);
            }

            @Override
            public PeakWindow startPeakWindow() {
                return Cgroups.this.startPeakWindow(cgroupPath);
            }

            @Override
            public void close() {
            }
        };
    }

    /** A cgroup file kept open, read and written at offset 0 ({@code pread}, {@code pwrite}); one caller at a time. */
    static final class KeptFile implements AutoCloseable {

        private final Path file;
        private final java.nio.channels.FileChannel channel;
        private final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4096);

        KeptFile(Path file, boolean writable) {
            this.file = file;
            try {
                channel = writable
                        ? java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                                java.nio.file.StandardOpenOption.WRITE)
                        : java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ);
            } catch (IOException e) {
                throw new RuntimeFailureException("cannot open " + file, e);
            }
        }

        /** The file's text now (at most 4 KiB: the flat files a meter reads are a few lines). */
        synchronized String text() {
            try {
                buffer.clear();
                long at = 0;
                int n;
                while (buffer.hasRemaining() && (n = channel.read(buffer, at)) > 0) {
                    at += n;
                }
                return new String(buffer.array(), 0, buffer.position(), java.nio.charset.StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new RuntimeFailureException("cannot read " + file, e);
            }
        }

        long readLong() {
            return parseLong(text(), file);
        }

        /** The value of {@code key} in the flat-keyed file; -1 if absent. */
        long keyedValue(String key) {
            return Cgroups.keyedValue(text(), key, file);
        }

        synchronized void write(String value) {
            try {
                channel.write(java.nio.ByteBuffer.wrap(value.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 0);
            } catch (IOException e) {
                throw new RuntimeFailureException("cannot write " + value + " to " + file, e);
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** v1 controllers whose directory under the root marks a v1 (or hybrid) host. */
    static final List<String> V1_CONTROLLERS = List.of("cpu", "cpuacct", "cpu,cpuacct", "cpuset", "memory", "pids", "blkio",
            "devices", "freezer", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc");

    final Path root;

    Cgroups(Path root) {
        this.root = root;
    }

    /** The hierarchy mounted at {@code root}. */
    static Layout layout(Path root) {
        if (Files.isRegularFile(root.resolve("cgroup.controllers"))) {
            return Layout.V2;
        }
        if (V1_CONTROLLERS.stream().anyMatch(c -> Files.isDirectory(root.resolve(c)))) {
            return Files.isRegularFile(root.resolve("unified/cgroup.controllers")) ? Layout.HYBRID : Layout.V1;
        }
        return Layout.NONE;
    }

    /**
     * Why the cgroups at {@code root} cannot serve the runc driver, naming each missing file or
     * controller and what it is for; empty when they can.
     */
    static Optional<String> unusable(Path root) {
        Layout layout = layout(root);
        List<String> missing = switch (layout) {
            case V1, HYBRID -> CgroupsV1.missing(root);
            case V2 -> CgroupsV2.missing(root);
            case NONE -> List.of(nothingMounted(root));
        };
        return missing.isEmpty() ? Optional.empty()
                : Optional.of(layout.description + " at " + root + " cannot serve the runc driver: " + String.join("; ", missing));
    }

    private static String nothingMounted(Path root) {
        String reason = "neither cgroup v2 (" + root.resolve("cgroup.controllers") + ") nor cgroup v1 controllers ("
                + root.resolve("cpuacct") + ", " + root.resolve("memory") + ", " + root.resolve("freezer") + ", ...) are mounted";
        Path unified = root.resolve("unified");
        return Files.isDirectory(unified)
                ? reason + "; the cgroup2 mount at " + unified + " alone is not enough: runc uses it only beside v1 controllers"
                : reason;
    }

    /** The cgroups at {@code root}, v1 or v2 as the host booted. */
    static Cgroups open(Path root) {
        Optional<String> unusable = unusable(root);
        if (unusable.isPresent()) {
            throw new RuntimeFailureException(unusable.get());
        }
        Layout layout = layout(root);
        return layout == Layout.V2 ? new CgroupsV2(root) : new CgroupsV1(root, layout);
    }

    /** The hierarchy these cgroups are read from. */
    abstract Layout layout();

    /** CPU time of every process ever in the cgroup, in ns. */
    abstract long cpuNanos(String cgroupPath);

    /** The memory high-water mark of the cgroup since its creation (a cold container's whole life). */
    abstract long peakMemoryBytes(String cgroupPath);

    /** Starts a new memory high-water mark for one call of a warm container. */
    abstract PeakWindow startPeakWindow(String cgroupPath);

    /** How many processes the OOM killer killed in the cgroup. */
    abstract long oomKills(String cgroupPath);

    /** CPU periods in which the cgroup was throttled by its quota ({@code cpu.stat nr_throttled}). */
    abstract long throttledPeriods(String cgroupPath);

    /**
     * The processes (thread-group ids, host pid namespace) in the cgroup now, from its
     * {@code cgroup.procs}. Exited processes are not listed, zombies included.
     */
    abstract long[] processes(String cgroupPath);

    /** Asks the kernel to stop every process of the cgroup; {@link #frozen} says when it has. */
    abstract void freeze(String cgroupPath);

    /** Lets the processes of the cgroup run again. */
    abstract void thaw(String cgroupPath);

    /** Whether every process of the cgroup is stopped (not merely on its way). */
    abstract boolean frozen(String cgroupPath);

    /** Whether the cgroup still has a directory. */
    abstract boolean exists(String cgroupPath);

    /** Removes the cgroup's (empty) directories; quiet when absent or busy. */
    abstract void removeQuietly(String cgroupPath);

    /**
     * The host pid of the process that is pid 1 of the container's pid namespace (its first
     * process: runc's init until it execs, then the container's entry point), or -1 if none is
     * in the cgroup. Read from {@code NSpid} in {@code /proc/<pid>/status}: the kernel's view,
     * which a process of the container cannot fake.
     */
    long namespaceInit(String cgroupPath) {
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

    static String relative(String cgroupPath) {
        return cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath;
    }

    /** A file holding one number ({@code memory.peak}, {@code cpuacct.usage}). */
    static long readLong(Path file) {
        try {
            return parseLong(Files.readString(file), file);
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }

    /** The value of {@code key} in a flat-keyed file ({@code "<key> <value>"} lines, as {@code cpu.stat}); -1 if absent. */
    static long keyedValue(Path file, String key) {
        try {
            return keyedValue(Files.readString(file), key, file);
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }

    /** The one number {@code text} (read from {@code file}) holds. */
    private static long parseLong(String text, Path file) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }

    /** The value of {@code key} in flat-keyed {@code text} (read from {@code file}); -1 if absent. */
    private static long keyedValue(String text, String key, Path file) {
        for (String line : text.split("\n")) {
            if (line.startsWith(key) && line.length() > key.length() && line.charAt(key.length()) == ' ') {
                return parseLong(line.substring(key.length() + 1), file);
            }
        }
        return -1;
    }

    static void write(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot write " + value + " to " + file, e);
        }
    }

    /** The pids in a {@code cgroup.procs} file (one per line). */
    static long[] readPids(Path file) {
        try {
            String text = Files.readString(file);
            long[] pids = new long[8];
            int count = 0;
            long value = -1;
            for (int i = 0; i <= text.length(); i++) {
                char c = i < text.length() ? text.charAt(i) : '\n';
                if (c >= '0' && c <= '9') {
                    value = (value < 0 ? 0 : value * 10) + (c - '0');
                } else if (value >= 0) {
                    if (count == pids.length) {
                        pids = Arrays.copyOf(pids, count * 2);
                    }
                    pids[count++] = value;
                    value = -1;
                }
            }
            return Arrays.copyOf(pids, count);
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot read " + file, e);
        }
    }

    /** Adds a sentence to {@code missing} unless {@code file} can be read. */
    static void requireReadable(List<String> missing, Path file, String purpose) {
        if (!Files.isReadable(file)) {
            missing.add(file + " is missing (" + purpose + ")");
        }
    }

    /** Adds a sentence to {@code missing} unless {@code file} can be written. */
    static void requireWritable(List<String> missing, Path file, String purpose) {
        if (!Files.exists(file)) {
            missing.add(file + " is missing (" + purpose + ")");
        } else if (!Files.isWritable(file)) {
            missing.add(file + " is not writable (" + purpose + ")");
        }
    }
}
