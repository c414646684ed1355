package cloud.agora.billing.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.usage.ReceiptRating;
import cloud.agora.protocol.usage.StoragePeriods;
import cloud.agora.protocol.usage.UsageReceipt;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * What billing knows of a lease: who pays, who is paid, and the prices the receipts are rated at.
 *
 * <p><b>Rating rule</b> (protocol's {@code ReceiptRating}, shared with functions' estimates). A receipt's charge is
 * {@code floor(cpuNanos × perVcpuSecond / 10^9 + memoryMibMillis × perGiBSecond / (1024 × 1000)) + perInvocation},
 * computed exactly in integers over the common denominator 1.024 × 10^15 and rounded down once. The
 * consumer therefore pays at most the exact price and never more than 1 wei below it per receipt
 * (strictly less than 1 wei). Bytes in/out carry no price (the lease has none for them).
 *
 * <p>The lease's resources bound what a receipt may claim ({@code ReceiptBounds}): CPU at most the quota over the
 * wall time, peak memory at most the limit.
 *
 * @param leaseId       the lease
 * @param owner         the developer who pays
 * @param provider      the provider that runs it and signs its receipts
 * @param perVcpuSecond wei per vCPU-second
 * @param perGiBSecond  wei per GiB-second of memory
 * @param perInvocation wei per invocation
 * @param closedAt      when it closed, or null while active
 * @param cpuMillis     the lease's CPU in millicores (its containers' quota), or null for a lease recorded before
 *                      billing kept its resources: then no receipt of it is within checkable bounds
 * @param memoryMiB     the lease's memory in MiB (its containers' limit), or null likewise
 * @param storage       a storage lease's terms; null for a compute lease
 */
public record LeaseTerms(UUID leaseId, Address owner, Address provider, BigInteger perVcpuSecond,
        BigInteger perGiBSecond, BigInteger perInvocation, Instant closedAt, Long cpuMillis, Long memoryMiB,
        Storage storage) {

    /**
     * What a storage lease holds and costs: its receipts are storage periods (protocol's {@code StoragePeriods}),
     * rated {@code floor(perGiBMonth × storageGiB × wallMillis / 30 days)}.
     *
     * @param storageGiB  the storage the lease holds
     * @param perGiBMonth wei per GiB-month
     * @param createdAt   when the lease began (its first period is the one containing this instant)
     */
    public record Storage(long storageGiB, BigInteger perGiBMonth, Instant createdAt) {

        public Storage {
            Objects.requireNonNull(perGiBMonth, "perGiBMonth");
            Objects.requireNonNull(createdAt, "createdAt");
        }
    }

    /** A compute lease's terms. */
    public LeaseTerms(UUID leaseId, Address owner, Address provider, BigInteger perVcpuSecond, BigInteger perGiBSecond,
            BigInteger perInvocation, Instant closedAt, Long cpuMillis, Long memoryMiB) {
        this(leaseId, owner, provider, perVcpuSecond, perGiBSecond, perInvocation, closedAt, cpuMillis, memoryMiB, null);
    }

    public LeaseTerms {
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(perVcpuSecond, "perVcpuSecond");
        Objects.requireNonNull(perGiBSecond, "perGiBSecond");
        Objects.requireNonNull(perInvocation, "perInvocation");
    }

    /** The receipt's charge in wei under the rating rule (see the type's Javadoc), or a storage lease's. */
    public BigInteger charge(UsageReceipt receipt) {
        if (storage != null) {
            return StoragePeriods.charge(storage.perGiBMonth(), storage.storageGiB(), receipt.wallMillis());
        }
        return ReceiptRating.charge(perVcpuSecond, perGiBSecond, perInvocation, receipt.cpuNanos(),
                receipt.memoryMibMillis());
    }
}
