package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * A container's cgroup on a cgroup v2 (unified) host, one directory {@code <root>/<cgroup path>}:
 * CPU ns from {@code cpu.stat usage_usec}, the memory high-water mark from {@code memory.peak}
 * (kernel 5.19+; {@code memory.current} before), OOM kills from {@code memory.events oom_kill},
 * throttling from {@code cpu.stat nr_throttled}, membership from {@code cgroup.procs}, and the
 * core freezer: {@code cgroup.freeze} ← 1 or 0, frozen once {@code cgroup.events} reads
 * {@code frozen 1}.
 *
 * <p>A warm call's own peak needs a reset that v2 only has since kernel 6.12, and per open file:
 * a write to {@code memory.peak} resets the peak seen through that file descriptor. So a
 * {@link PeakWindow} keeps {@code memory.peak} open for the call, writes {@code reset} through it
 * at the start and reads through it at the end. Where the kernel refuses the write, the call is
 * charged the container's lifetime peak (never less than its own); without {@code memory.peak},
 * the usage left at the end (which can be less than the call's peak).
 */
final class CgroupsV2 extends Cgroups {

    private static final Logger LOG = Logger.getLogger(CgroupsV2.class);
    /** Controllers the container's limits (cpu.max, memory.max, pids.max) and the meter need. */
    static final List<String> CONTROLLERS = List.of("cpu", "memory", "pids");

    private final AtomicBoolean lifetimePeakLogged = new AtomicBoolean();
    private final AtomicBoolean currentUsageLogged = new AtomicBoolean();

    CgroupsV2(Path root) {
        super(root);
    }

    /** What a v2 root lacks: its controllers, and the write access runc needs to create cgroups and enable them. */
    static List<String> missing(Path root) {
        List<String> missing = new ArrayList<>();
        Path controllersFile = root.resolve("cgroup.controllers");
        List<String> available;
        try {
            available = Arrays.asList(Files.readString(controllersFile).strip().split("\\s+"));
        } catch (IOException e) {
            return List.of(controllersFile + " cannot be read (" + e.getMessage() + ")");
        }
        List<String> absent = CONTROLLERS.stream().filter(c -> !available.contains(c)).toList();
        if (!absent.isEmpty()) {
            missing.add("the " + String.join(", ", absent) + " controller" + (absent.size() > 1 ? "s are" : " is")
                    + " not available (" + controllersFile + " lists \"" + String.join(" ", available).strip()
                    + "\"; needed for the CPU quota and meter, the memory limit and meter, and the pids limit)");
        }
        if (!Files.isWritable(root)) {
            missing.add(root + " is not writable (runc creates each container's cgroup there; the agent runs as root)");
        }
        requireWritable(missing, root.resolve("cgroup.subtree_control"),
                "runc enables the controllers for the agent's cgroups there; the agent runs as root");
        return missing;
    }

    @Override
    Layout layout() {
        return Layout.V2;
    }

    @Override
    long cpuNanos(String cgroupPath) {
        Path file = dir(cgroupPath).resolve("cpu.stat");
        long micros = keyedValue(file, "usage_usec");
        if (micros < 0) {
            throw new RuntimeFailureException("no usage_usec in " + file);
        }
        return micros * 1000;
    }

    /** {@code memory.peak}, or {@code memory.current} where the kernel has no peak (before 5.19). */
    @Override
    long peakMemoryBytes(String cgroupPath) {
        Path peak = dir(cgroupPath).resolve("memory.peak");
        return Files.exists(peak) ? readLong(peak) : currentUsage(cgroupPath);
    }

    @Override
    PeakWindow startPeakWindow(String cgroupPath) {
        Path peak = dir(cgroupPath).resolve("memory.peak");
        if (!Files.exists(peak)) {
            if (currentUsageLogged.compareAndSet(false, true)) {
                LOG.warnf("%s does not exist (kernel before 5.19): a call's peak memory is the cgroup's memory.current "
                        + "at its end, which can be less than its peak", peak);
            }
            return new Reading(PeakScope.CURRENT, () -> currentUsage(cgroupPath));
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(peak, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.write(ByteBuffer.wrap("reset".getBytes(StandardCharsets.US_ASCII)));
            return new DescriptorPeak(peak, channel);
        } catch (IOException e) {
            closeQuietly(channel);
            if (lifetimePeakLogged.compareAndSet(false, true)) {
                LOG.warnf("memory.peak cannot be reset through its descriptor (%s; kernel before 6.12): a warm call is "
                        + "charged its container's lifetime peak memory", e);
            }
            return new Reading(PeakScope.CONTAINER, () -> readLong(peak));
        }
    }

    @Override
    long oomKills(String cgroupPath) {
        return Math.max(0, keyedValue(dir(cgroupPath).resolve("memory.events"), "oom_kill"));
    }

    @Override
    long throttledPeriods(String cgroupPath) {
        return Math.max(0, keyedValue(dir(cgroupPath).resolve("cpu.stat"), "nr_throttled"));
    }

    @Override
    long[] processes(String cgroupPath) {
        return readPids(dir(cgroupPath).resolve("cgroup.procs"));
    }

    @Override
    void freeze(String cgroupPath) {
        write(dir(cgroupPath).resolve("cgroup.freeze"), "1");
    }

    @Override
    void thaw(String cgroupPath) {
        write(dir(cgroupPath).resolve("cgroup.freeze"), "0");
    }

    /** {@code cgroup.events} reads {@code frozen 1}: every process of the cgroup is stopped. */
    @Override
    boolean frozen(String cgroupPath) {
        return keyedValue(dir(cgroupPath).resolve("cgroup.events"), "frozen") == 1;
    }

    @Override
    boolean exists(String cgroupPath) {
        return Files.isDirectory(dir(cgroupPath));
    }

    @Override
    void removeQuietly(String cgroupPath) {
        try {
            Files.deleteIfExists(dir(cgroupPath));
        } catch (IOException e) {
            // busy (processes or child cgroups left) or not ours: the next cleanup tries again
        }
    }

    private long currentUsage(String cgroupPath) {
        return readLong(dir(cgroupPath).resolve("memory.current"));
    }

    private Path dir(String cgroupPath) {
        return root.resolve(relative(cgroupPath));
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing was written through it
            }
        }
    }

    /** A peak read afresh at the end: no reset, no descriptor to keep. */
    private record Reading(PeakScope scope, LongSupplier reader) implements PeakWindow {

        @Override
        public long bytes() {
            return reader.getAsLong();
        }

        @Override
        public void close() {
        }
    }

    /**
     * {@code memory.peak} reset through its own descriptor and read back through it: the kernel
     * keeps the peak since the reset per open file. Read at offset 0 (the write moved the file
     * position), which makes the kernel print the value afresh.
     */
    private static final class DescriptorPeak implements PeakWindow {

        private final Path file;
        private final FileChannel channel;

        DescriptorPeak(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        @Override
        public long bytes() {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            try {
                while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
                    // a single value: one read in practice
                }
                return Long.parseLong(new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip());
            } catch (IOException | NumberFormatException e) {
                throw new RuntimeFailureException("cannot read " + file, e);
            }
        }

        @Override
        public PeakScope scope() {
            return PeakScope.CALL;
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }
}
