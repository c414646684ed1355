package cloud.agora.functions.domain.deployment;

import cloud.agora.functions.domain.catalog.FunctionVersion;
import java.math.BigDecimal;

/**
 * The load a deployment preview prices: how many calls per second, and what one call uses. Any part left out takes
 * the function's own ceiling, so that the quote is what the load costs at most: a call lasting
 * {@link #DEFAULT_DURATION_MILLIS}, busy at the version's whole CPU quota throughout, holding its whole memory limit.
 *
 * @param callsPerSecond   calls per second over the whole deployment (spread over its replicas), above 0
 * @param durationMillis   wall time of one call, 1 ms to the version's timeout
 * @param cpuMillisPerCall CPU time of one call, 0 to what the version's quota allows in {@code durationMillis}
 * @param memoryMiB        peak memory of one call, 1 to the version's memory limit
 */
public record CallLoad(BigDecimal callsPerSecond, Long durationMillis, Long cpuMillisPerCall, Long memoryMiB) {

    public static final BigDecimal DEFAULT_CALLS_PER_SECOND = BigDecimal.ONE;
    public static final long DEFAULT_DURATION_MILLIS = 100;
    /** A million calls per second: more than any deployment's replicas serve. */
    public static final BigDecimal MAX_CALLS_PER_SECOND = BigDecimal.valueOf(1_000_000);

    /** The load with every part given: what was asked, the version's ceilings for the rest; refused when out of range. */
    public CallLoad resolvedFor(FunctionVersion version) {
        BigDecimal rate = callsPerSecond == null ? DEFAULT_CALLS_PER_SECOND : callsPerSecond;
        if (rate.signum() <= 0 || rate.compareTo(MAX_CALLS_PER_SECOND) > 0) {
            throw new InvalidDeploymentException("load.callsPerSecond must be above 0 and at most " + MAX_CALLS_PER_SECOND
                    + ", got " + rate.toPlainString());
        }
        long duration = durationMillis == null ? Math.min(DEFAULT_DURATION_MILLIS, version.timeoutMillis()) : durationMillis;
        if (duration < 1 || duration > version.timeoutMillis()) {
            throw new InvalidDeploymentException("load.durationMillis must be from 1 to the version's timeout ("
                    + version.timeoutMillis() + " ms), got " + duration);
        }
        long quota = duration * version.cpuMillis() / 1000;
        long cpu = cpuMillisPerCall == null ? quota : cpuMillisPerCall;
        if (cpu < 0 || cpu > quota) {
            throw new InvalidDeploymentException("load.cpuMillisPerCall must be from 0 to what " + version.cpuMillis()
                    + " CPU millis per second allow in " + duration + " ms (" + quota + "), got " + cpu);
        }
        long memory = memoryMiB == null ? version.memoryMiB() : memoryMiB;
        if (memory < 1 || memory > version.memoryMiB()) {
            throw new InvalidDeploymentException("load.memoryMiB must be from 1 to the version's memory limit ("
                    + version.memoryMiB() + " MiB), got " + memory);
        }
        return new CallLoad(rate, duration, cpu, memory);
    }
}
