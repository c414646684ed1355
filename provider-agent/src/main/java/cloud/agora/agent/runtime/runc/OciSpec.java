package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.Limits;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime spec ({@code config.json}) of a function container, with the isolation of
 * DESIGN.md's runtime contract: own PID, mount, network (loopback only), IPC, UTS and cgroup
 * namespaces; read-only root; the bundle read-only at {@code /function}; tmpfs {@code /tmp};
 * nothing else of the host (each runtime's root filesystem carries its own files, see {@link RootFilesystems});
 * a host uid and gid of the lease's own ({@link cloud.agora.agent.runtime.LeaseUids}); no capabilities;
 * {@code no_new_privs}; a seccomp allow-list ({@link SyscallFilter}); rlimits on open files, core dumps (none) and file size; no devices beyond the OCI defaults;
 * memory (RAM + swap), CPU quota and pids limits in the container's own cgroup.
 *
 * <p>The same spec serves cgroup v1 and v2 hosts: it sets only what runc 1.1 translates for
 * either hierarchy (on v2: {@code memory.max}, {@code memory.swap.max} = swap − limit = 0,
 * {@code cpu.max}, {@code pids.max}, the device rules as an eBPF program, and a cgroup2 mount for
 * the {@code cgroup} mount type), and none of the v1-only settings v2 rejects or ignores (kernel
 * memory, swappiness, OOM-killer disabling, blkio weights).
 */
final class OciSpec {

    static final long CPU_PERIOD_MICROS = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciSpec() {
    }

    /**
     * The spec as JSON.
     *
     * @param rootfs     the runtime's root filesystem (shared, mounted read-only)
     * @param bundleDir  the function bundle, or null (an image function's files are in its root)
     * @param cgroupView whether the container sees its own cgroup read-only at {@code /sys/fs/cgroup}
     *                   (with {@code /sys} read-only), so that a JVM sizes its heap and threads from
     *                   the container's limits instead of the host's
     * @param uid        the host uid (and gid) the function runs as: its lease's own
     * @param identity   a directory holding the container's {@code passwd} and {@code group} (naming that uid
     *                   {@code function}), mounted read-only over the shared root's
     * @param cwd        the directory the process starts in
     */
    static String render(Path rootfs, Path bundleDir, List<String> args, Map<String, String> env,
            Limits limits, String cgroupPath, int tmpSizeMiB, boolean cgroupView, int uid, Path identity, String cwd) {
        ObjectNode spec = JSON.createObjectNode();
        spec.put("ociVersion", "1.0.2");

        ObjectNode process = spec.putObject("process");
        process.put("terminal", false);
        process.putObject("user").put("uid", uid).put("gid", uid);
        ArrayNode argv = process.putArray("args");
        args.forEach(argv::add);
        ArrayNode envs = process.putArray("env");
        env.forEach((k, v) -> envs.add(k + "=" + v));
        process.put("cwd", cwd);
        ObjectNode caps = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "inheritable", "permitted", "ambient")) {
            caps.putArray(set);
        }
        ArrayNode rlimits = process.putArray("rlimits");
        rlimits.addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
        // no core dumps (they would land in the call's /tmp), no file larger than /tmp itself
        rlimits.addObject().put("type", "RLIMIT_CORE").put("hard", 0).put("soft", 0);
        long fileSize = tmpSizeMiB * 1024L * 1024L;
        rlimits.addObject().put("type", "RLIMIT_FSIZE").put("hard", fileSize).put("soft", fileSize);
        process.put("noNewPrivileges", true);

        spec.putObject("root").put("path", rootfs.toString()).put("readonly", true);
        spec.put("hostname", "function");

        ArrayNode mounts = spec.putArray("mounts");
        mounts.addObject().put("destination", "/proc").put("type", "proc").put("source", "proc");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=1024k");
        mount(mounts, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777", "size=" + tmpSizeMiB + "m");
        if (bundleDir != null) { // an image function's files are in its image
            mount(mounts, "/function", "bind", bundleDir.toString(), "rbind", "ro", "nosuid", "nodev");
        }
        mount(mounts, "/etc/passwd", "bind", identity.resolve("passwd").toString(), "bind", "ro", "nosuid", "nodev", "noexec");
        mount(mounts, "/etc/group", "bind", identity.resolve("group").toString(), "bind", "ro", "nosuid", "nodev", "noexec");
        if (cgroupView) {
            mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
            mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
        }

        ObjectNode linux = spec.putObject("linux");
        linux.put("cgroupsPath", cgroupPath);
        ObjectNode resources = linux.putObject("resources");
        long memoryBytes = limits.memoryMiB() * 1024L * 1024L;
        resources.putObject("memory").put("limit", memoryBytes).put("swap", memoryBytes);
        resources.putObject("cpu").put("quota", limits.cpuMillis() * CPU_PERIOD_MICROS / 1000).put("period", CPU_PERIOD_MICROS);
        resources.putObject("pids").put("limit", limits.pids());
        resources.putArray("devices").addObject().put("allow", false).put("access", "rwm");
        // System V IPC and POSIX message queues live in the container's IPC namespace, not in a file: they
        // would outlive the call that made them and carry its data to the next call of a warm container.
        // Shared memory is destroyed with the last process using it (every process of a call dies with it);
        // message queues and semaphore sets, which belong to no process, cannot be created.
        linux.putObject("sysctl").put("kernel.shm_rmid_forced", "1").put("kernel.msgmni", "0")
                .put("kernel.sem", "250 32000 32 0").put("fs.mqueue.queues_max", "0");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "ipc", "uts", "mount", "network", "cgroup")) {
            namespaces.addObject().put("type", ns);
        }
        SyscallFilter.addTo(linux);
        ArrayNode masked = linux.putArray("maskedPaths");
        List.of("/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                "/proc/sched_debug", "/proc/scsi", "/sys/firmware").forEach(masked::add);
        ArrayNode readonly = linux.putArray("readonlyPaths");
        List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger").forEach(readonly::add);
        return spec.toPrettyString();
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode m = mounts.addObject().put("destination", destination).put("type", type).put("source", source);
        ArrayNode opts = m.putArray("options");
        for (String o : options) {
            opts.add(o);
        }
    }
}
