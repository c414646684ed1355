package cloud.agora.agent.runtime.runc;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the runc driver runs containers on this host.
 *
 * @param runcBinary          the runc executable
 * @param stateRoot           runc's state directory ({@code runc --root}); one per agent so its
 *                            containers are exactly the ones listed there
 * @param workDir             where container bundles ({@code config.json}) are written
 * @param runtimesDir         where runtime root filesystems are built ({@code shell/rootfs}, {@code jvm/image/rootfs})
 * @param cgroupParent        parent of every container's cgroup ({@code /<parent>/<container id>})
 * @param containerPrefix     prefix of container ids ({@code <prefix>-<lease id>-<nonce>})
 * @param maxOutputBytes      the most response bytes kept (the rest is drained and dropped)
 * @param warmMaxIdle         idle containers kept per function (0 = a fresh container per call)
 * @param warmIdleTimeout     an idle warm container older than this is removed
 * @param tmpSizeMiB          size of each container's {@code /tmp} tmpfs
 */
public record RuncSettings(String runcBinary, Path stateRoot, Path workDir, Path runtimesDir, String cgroupParent,
        String containerPrefix, int maxOutputBytes, int warmMaxIdle, Duration warmIdleTimeout, int tmpSizeMiB) {

    /** Settings under one data directory with the defaults the agent ships with. */
    public static RuncSettings under(Path dataDir, String cgroupParent) {
        return new RuncSettings("runc", dataDir.resolve("runc-state"), dataDir.resolve("containers"),
                dataDir.resolve("runtimes"), cgroupParent, "agora", 6 * 1024 * 1024, 2, Duration.ofMinutes(5), 64);
    }

    public RuncSettings withRuntimesDir(Path dir) {
        return new RuncSettings(runcBinary, stateRoot, workDir, dir, cgroupParent, containerPrefix, maxOutputBytes,
                warmMaxIdle, warmIdleTimeout, tmpSizeMiB);
    }

    public RuncSettings withWarmPool(int maxIdle, Duration idleTimeout) {
        return new RuncSettings(runcBinary, stateRoot, workDir, runtimesDir, cgroupParent, containerPrefix, maxOutputBytes,
                maxIdle, idleTimeout, tmpSizeMiB);
    }
}
