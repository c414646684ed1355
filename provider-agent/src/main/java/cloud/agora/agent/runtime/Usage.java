package cloud.agora.agent.runtime;

import java.time.Instant;

/**
 * What one call used, from the kernel's accounting of the container's cgroup.
 *
 * @param cpuNanos        CPU time of every process of the call ({@code cpuacct.usage})
 * @param peakMemoryBytes memory high-water mark ({@code memory.max_usage_in_bytes})
 * @param wallMillis      wall time from start to exit
 * @param bytesIn         request bytes
 * @param bytesOut        response bytes
 * @param startedAt       start
 * @param endedAt         end
 */
public record Usage(long cpuNanos, long peakMemoryBytes, long wallMillis, long bytesIn, long bytesOut, Instant startedAt,
        Instant endedAt) {
}
