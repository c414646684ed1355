package cloud.agora.billing.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.usage.UsageReceipt;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * What billing knows of a lease: who pays, who is paid, and the prices the receipts are rated at.
 *
 * <p><b>Rating rule.</b> A receipt's charge is
 * {@code floor(cpuNanos × perVcpuSecond / 10^9 + memoryMibMillis × perGiBSecond / (1024 × 1000)) + perInvocation},
 * computed exactly in integers over the common denominator 1.024 × 10^15 and rounded down once. The
 * consumer therefore pays at most the exact price and never more than 1 wei below it per receipt
 * (strictly less than 1 wei). Bytes in/out carry no price (the lease has none for them).
 *
 * @param leaseId       the lease
 * @param owner         the developer who pays
 * @param provider      the provider that runs it and signs its receipts
 * @param perVcpuSecond wei per vCPU-second
 * @param perGiBSecond  wei per GiB-second of memory
 * @param perInvocation wei per invocation
 * @param closedAt      when it closed, or null while active
 */
public record LeaseTerms(UUID leaseId, Address owner, Address provider, BigInteger perVcpuSecond,
        BigInteger perGiBSecond, BigInteger perInvocation, Instant closedAt) {

    /** 10^9 ns per second × 1024 MiB per GiB × 1000 ms per second. */
    static final BigInteger DENOMINATOR = BigInteger.valueOf(1_000_000_000L * 1024L * 1000L);
    private static final BigInteger CPU_SCALE = BigInteger.valueOf(1024L * 1000L);
    private static final BigInteger MEMORY_SCALE = BigInteger.valueOf(1_000_000_000L);

    public LeaseTerms {
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(perVcpuSecond, "perVcpuSecond");
        Objects.requireNonNull(perGiBSecond, "perGiBSecond");
        Objects.requireNonNull(perInvocation, "perInvocation");
    }

    /** The receipt's charge in wei under the rating rule (see the type's Javadoc). */
    public BigInteger charge(UsageReceipt receipt) {
        BigInteger scaled = BigInteger.valueOf(receipt.cpuNanos()).multiply(perVcpuSecond).multiply(CPU_SCALE)
                .add(BigInteger.valueOf(receipt.memoryMibMillis()).multiply(perGiBSecond).multiply(MEMORY_SCALE));
        return scaled.divide(DENOMINATOR).add(perInvocation);
    }
}
