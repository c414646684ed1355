package cloud.agora.protocol.resources;

import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.util.Objects;

/**
 * Unit prices in wei: per vCPU-second, per GiB-second of memory, per invocation and per
 * GiB-month of storage.
 *
 * <p>A provider's offer asks these prices; a developer's bid caps them. A lease carries the
 * asking prices of the offer it was matched against, and billing rates usage with them.
 */
public record Prices(Wei perVcpuSecond, Wei perGiBSecond, Wei perInvocation, Wei perGiBMonth) {

    /** Seconds in the 30-day month that storage prices are quoted for. */
    public static final long SECONDS_PER_MONTH = 30L * 24 * 3600;

    private static final BigInteger MILLIS_PER_CPU = BigInteger.valueOf(1000);
    private static final BigInteger MIB_PER_GIB = BigInteger.valueOf(1024);
    private static final BigInteger MONTH = BigInteger.valueOf(SECONDS_PER_MONTH);

    public Prices {
        Objects.requireNonNull(perVcpuSecond, "perVcpuSecond");
        Objects.requireNonNull(perGiBSecond, "perGiBSecond");
        Objects.requireNonNull(perInvocation, "perInvocation");
        Objects.requireNonNull(perGiBMonth, "perGiBMonth");
    }

    /** True when no component of this price exceeds the same component of {@code max}. */
    public boolean allAtMost(Prices max) {
        return perVcpuSecond.compareTo(max.perVcpuSecond) <= 0
                && perGiBSecond.compareTo(max.perGiBSecond) <= 0
                && perInvocation.compareTo(max.perInvocation) <= 0
                && perGiBMonth.compareTo(max.perGiBMonth) <= 0;
    }

    /**
     * What one second of holding {@code resources} costs at these prices, scaled by
     * 1000 × 1024 × {@link #SECONDS_PER_MONTH} so that it is an exact integer. Only for
     * comparing offers for the same resources: the cheaper offer has the smaller rate.
     */
    public BigInteger scaledRate(Resources resources) {
        BigInteger cpu = perVcpuSecond.value().multiply(BigInteger.valueOf(resources.cpuMillis()))
                .multiply(MIB_PER_GIB).multiply(MONTH);
        BigInteger memory = perGiBSecond.value().multiply(BigInteger.valueOf(resources.memoryMiB()))
                .multiply(MILLIS_PER_CPU).multiply(MONTH);
        BigInteger storage = perGiBMonth.value().multiply(BigInteger.valueOf(resources.storageGiB()))
                .multiply(MILLIS_PER_CPU).multiply(MIB_PER_GIB);
        return cpu.add(memory).add(storage);
    }
}
