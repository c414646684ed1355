package cloud.agora.protocol.usage;

import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.resources.Prices;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a receipt may claim, given its grant and its lease: the rule the gateway applies before it witnesses a
 * receipt and billing applies before it rates one. Pure.
 *
 * <ul>
 *   <li>It names a grant, and the grant is for the receipt's invocation, lease, provider and consumer.</li>
 *   <li>{@code wallMillis ≤ grant.timeoutMillis + } {@link #WALL_SLACK} (the agent kills the call at the timeout;
 *       the slack covers the kill and the metering after it), and {@code endedAt − startedAt} within the same bound.</li>
 *   <li>{@code cpuNanos ≤ (wallMillis + 2 × } {@link #CFS_PERIOD}{@code ) × lease CPU quota + } {@link #CPU_SLACK}: the
 *       kernel enforces the quota per 100 ms period, so a call spanning {@code n} periods can use at most
 *       {@code n + 2} periods' quota (one partial period at each end); the fixed slack covers the container's
 *       own start inside its cgroup.</li>
 *   <li>{@code peakMemoryBytes ≤} the lease's memory: the container's memory limit is exactly that.</li>
 *   <li>{@code startedAt} lies in the grant's window {@code [issuedAt − skew, expiresAt + skew]}: a call starts only
 *       while its grant is valid, so a backdated receipt is refused.</li>
 * </ul>
 */
public final class ReceiptBounds {

    /** Wall time allowed beyond the grant's timeout. */
    public static final Duration WALL_SLACK = Duration.ofSeconds(2);
    /** The kernel's CFS bandwidth period the CPU quota is enforced over. */
    public static final Duration CFS_PERIOD = Duration.ofMillis(100);
    /** CPU time allowed beyond the quota's bound. */
    public static final Duration CPU_SLACK = Duration.ofMillis(50);

    /** Why a receipt is out of bounds: {@code reason} is {@link #NO_GRANT}, {@link #GRANT_MISMATCH} or {@link #OUT_OF_BOUNDS}. */
    public record Violation(String reason, String detail) {
    }

    /** The receipt names no grant. */
    public static final String NO_GRANT = "no-grant";
    /** The grant is for another invocation, lease, provider or consumer. */
    public static final String GRANT_MISMATCH = "grant-mismatch";
    /** Its usage or its start lies outside what the grant and the lease allow. */
    public static final String OUT_OF_BOUNDS = "out-of-bounds";

    private ReceiptBounds() {
    }

    /**
     * Checks {@code receipt} against its grant and its lease's resources.
     *
     * @param leaseCpuMillis  the lease's CPU in thousandths of a core (its quota)
     * @param leaseMemoryMiB  the lease's memory (its limit)
     * @param skew            clock difference tolerated between gateway and agent
     */
    public static Optional<Violation> check(UsageReceipt receipt, long leaseCpuMillis, long leaseMemoryMiB, Duration skew) {
        InvocationGrant grant = receipt.grant();
        if (grant == null) {
            return violation(NO_GRANT, "the receipt names no gateway grant");
        }
        if (!grant.invocationId().equals(receipt.invocationId()) || !grant.leaseId().equals(receipt.leaseId())
                || !grant.provider().equals(receipt.provider()) || !grant.consumer().equals(receipt.consumer())) {
            return violation(GRANT_MISMATCH, "the grant is for invocation " + grant.invocationId() + " on lease "
                    + grant.leaseId() + " at " + grant.provider() + " for " + grant.consumer() + ", the receipt is for "
                    + receipt.invocationId() + " on " + receipt.leaseId() + " at " + receipt.provider() + " for "
                    + receipt.consumer());
        }
        long maxWall = grant.timeoutMillis() + WALL_SLACK.toMillis();
        long span = Duration.between(receipt.startedAt(), receipt.endedAt()).toMillis();
        if (receipt.wallMillis() > maxWall || span > maxWall) {
            return violation(OUT_OF_BOUNDS, "wall time " + Math.max(receipt.wallMillis(), span) + " ms exceeds the grant's "
                    + grant.timeoutMillis() + " ms timeout (+" + WALL_SLACK.toMillis() + " ms)");
        }
        long maxCpu = maxCpuNanos(receipt.wallMillis(), leaseCpuMillis);
        if (receipt.cpuNanos() > maxCpu) {
            return violation(OUT_OF_BOUNDS, "CPU " + receipt.cpuNanos() + " ns exceeds " + maxCpu + " ns ("
                    + receipt.wallMillis() + " ms of wall time at the lease's " + leaseCpuMillis + " millicores)");
        }
        long maxMemory = leaseMemoryMiB * 1024L * 1024L;
        if (receipt.peakMemoryBytes() > maxMemory) {
            return violation(OUT_OF_BOUNDS, "peak memory " + receipt.peakMemoryBytes() + " bytes exceeds the lease's "
                    + leaseMemoryMiB + " MiB");
        }
        Instant earliest = grant.issuedAt().minus(skew);
        Instant latest = grant.expiresAt().plus(skew);
        if (receipt.startedAt().isBefore(earliest) || receipt.startedAt().isAfter(latest)) {
            return violation(OUT_OF_BOUNDS, "the call started at " + receipt.startedAt() + ", outside its grant's window ["
                    + grant.issuedAt() + ", " + grant.expiresAt() + "] (± " + skew.toSeconds() + " s)");
        }
        return Optional.empty();
    }

    /** The most CPU a call of {@code wallMillis} can use under a quota of {@code cpuMillis}. */
    public static long maxCpuNanos(long wallMillis, long cpuMillis) {
        long periods = Math.addExact(wallMillis, 2 * CFS_PERIOD.toMillis());
        return Math.addExact(Math.multiplyExact(Math.multiplyExact(periods, cpuMillis), 1_000L), CPU_SLACK.toNanos());
    }

    /**
     * The most billing can charge for one call under a grant of {@code timeoutMillis} on a lease of {@code cpuMillis}
     * and {@code memoryMiB} at {@code prices}: the charge of a receipt at every bound above (the longest wall time, the
     * CPU of the quota over it, the lease's whole memory for all of it). A gateway that holds its grants' sum under a
     * developer's credit knows no receipt within bounds can take them past it.
     */
    public static BigInteger maxCharge(Prices prices, long timeoutMillis, long cpuMillis, long memoryMiB) {
        long maxWall = Math.addExact(timeoutMillis, WALL_SLACK.toMillis());
        return ReceiptRating.charge(prices, maxCpuNanos(maxWall, cpuMillis), Math.multiplyExact(memoryMiB, maxWall));
    }

    private static Optional<Violation> violation(String reason, String detail) {
        return Optional.of(new Violation(reason, detail));
    }
}
