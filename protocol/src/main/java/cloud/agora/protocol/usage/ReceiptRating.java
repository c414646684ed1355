package cloud.agora.protocol.usage;

import cloud.agora.protocol.resources.Prices;
import java.math.BigInteger;

/**
 * The platform's rating rule for one receipt at a lease's prices, in wei:
 * {@code floor(cpuNanos × perVcpuSecond / 10^9 + memoryMibMillis × perGiBSecond / (1024 × 1000)) + perInvocation},
 * exact in integers over the common denominator 1.024 × 10^15, rounded down once. Billing rates
 * with it; functions shows estimates with it.
 */
public final class ReceiptRating {

    private static final BigInteger DENOMINATOR = BigInteger.valueOf(1_000_000_000L * 1024L * 1000L);
    private static final BigInteger CPU_SCALE = BigInteger.valueOf(1024L * 1000L);
    private static final BigInteger MEMORY_SCALE = BigInteger.valueOf(1_000_000_000L);

    private ReceiptRating() {
    }

    /** The charge of {@code cpuNanos} and {@code memoryMibMillis} for one invocation at {@code prices}. */
    public static BigInteger charge(Prices prices, long cpuNanos, long memoryMibMillis) {
        return charge(prices.perVcpuSecond().value(), prices.perGiBSecond().value(), prices.perInvocation().value(),
                cpuNanos, memoryMibMillis);
    }

    /** The charge of one invocation at the given unit prices (wei per vCPU-second, per GiB-second, per invocation). */
    public static BigInteger charge(BigInteger perVcpuSecond, BigInteger perGiBSecond, BigInteger perInvocation,
            long cpuNanos, long memoryMibMillis) {
        BigInteger scaled = BigInteger.valueOf(cpuNanos).multiply(perVcpuSecond).multiply(CPU_SCALE)
                .add(BigInteger.valueOf(memoryMibMillis).multiply(perGiBSecond).multiply(MEMORY_SCALE));
        return scaled.divide(DENOMINATOR).add(perInvocation);
    }

    /** The charge of {@code receipt} at {@code prices}. */
    public static BigInteger charge(Prices prices, UsageReceipt receipt) {
        return charge(prices, receipt.cpuNanos(), receipt.memoryMibMillis());
    }
}
