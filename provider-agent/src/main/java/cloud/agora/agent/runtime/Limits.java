package cloud.agora.agent.runtime;

import java.time.Duration;

/**
 * Limits one container runs under; the kernel enforces them.
 *
 * @param memoryMiB memory limit (RAM and swap together), the lease's memory
 * @param cpuMillis CPU quota in thousandths of a core (1000 = one core), the lease's CPU
 * @param pids      most processes and threads at once (stops fork bombs)
 * @param timeout   wall-clock limit of one call; the container is killed after it
 */
public record Limits(int memoryMiB, int cpuMillis, int pids, Duration timeout) {

    public Limits {
        if (memoryMiB < 4 || cpuMillis < 10 || pids < 1 || timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("limits need memory >= 4 MiB, cpu >= 10 millis, pids >= 1, a positive timeout");
        }
    }
}
