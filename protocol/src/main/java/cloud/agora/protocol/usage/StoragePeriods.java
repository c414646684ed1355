package cloud.agora.protocol.usage;

import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Storage usage as receipts: one {@link UsageReceipt} per storage lease and <em>period</em>, the platform's storage
 * period {@code P} ({@code billing.storage-period}; periods start at whole multiples of {@code P} since the epoch), so
 * a lease's held storage is charged like a call, through the same attestations, witnesses and vouchers.
 *
 * <p>A period's receipt is fully determined by (lease, provider, consumer, period start, {@code P}), so the provider
 * that signs it and the storage gateway that witnesses it compute the same hash without exchanging it:
 * <ul>
 * <li>{@code invocationId} = {@link #periodId}: a name-based UUID of the lease, the start and {@code P}, so a period
 * is charged at most once (billing keys receipts by id) and no id can be minted for a period that does not exist;</li>
 * <li>{@code startedAt} = the period's start, {@code endedAt} = start + {@code P}, {@code wallMillis} = {@code P};</li>
 * <li>every other figure zero and no grant (the storage gateway's witness, given only for periods ended while the
 * replica held all its blocks and passed its audit, is what authorizes it).</li>
 * </ul>
 *
 * <p><b>Rating rule</b>: {@code floor(perGiBMonth × storageGiB × wallMillis / (30 days in ms))}, the lease's storage at
 * the provider's GiB-month price, pro rata.
 */
public final class StoragePeriods {

    /** Versions the period id's derivation. */
    public static final String ID_TAG = "agora.storage-period.v1";
    private static final BigInteger MONTH_MILLIS = BigInteger.valueOf(30L * 24 * 3600 * 1000);

    private StoragePeriods() {
    }

    /**
     * A period the storage gateway witnessed for a storage lease, as it sends it to the lease's agent (the storage
     * role's {@code POST /api/v1/storage/leases/{leaseId}/periods}): the agent rebuilds the period's receipt
     * ({@link #receipt}), checks the signature is a trusted storage gateway's over its hash, signs it as provider and
     * ships it like a call's.
     *
     * @param start            the period's start
     * @param periodMillis     the period's length
     * @param gatewaySignature the storage gateway's counter-signature over the receipt's hash (0x r‖s‖v)
     */
    public record Witnessed(Instant start, long periodMillis, String gatewaySignature) {

        /** The witness of {@code receipt} (a period receipt counter-signed by the gateway). */
        public static Witnessed of(UsageReceipt receipt) {
            return new Witnessed(receipt.startedAt(), receipt.wallMillis(), receipt.gatewaySignature());
        }

        /** The period's receipt for {@code leaseId}, carrying this witness (not yet signed by the provider). */
        public UsageReceipt receipt(UUID leaseId, Address provider, Address consumer) {
            UsageReceipt r = StoragePeriods.receipt(leaseId, provider, consumer, start, Duration.ofMillis(periodMillis));
            return new UsageReceipt(r.invocationId(), r.leaseId(), r.provider(), r.consumer(), 0, 0, 0, r.wallMillis(), 0,
                    0, r.startedAt(), r.endedAt(), null, null, gatewaySignature);
        }
    }

    /** The body of the storage role's {@code POST .../periods}. */
    public record WitnessedPeriods(List<Witnessed> periods) {
    }

    /** What the agent made of them: how many it journalled now (known ones are not counted again). */
    public record Accepted(int accepted) {
    }

    /** The receipt id of the period of {@code leaseId} that starts at {@code start}. */
    public static UUID periodId(UUID leaseId, Instant start, Duration period) {
        return UUID.nameUUIDFromBytes((ID_TAG + ":" + leaseId + ":" + start.toEpochMilli() + ":" + period.toMillis())
                .getBytes(StandardCharsets.US_ASCII));
    }

    /** The start of the period that contains {@code instant}. */
    public static Instant periodStart(Instant instant, Duration period) {
        long p = period.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(instant.toEpochMilli(), p) * p);
    }

    /** The starts of the periods that begin at or after {@code from}'s period and end at or before {@code to}. */
    public static List<Instant> endedBetween(Instant from, Instant to, Duration period) {
        List<Instant> starts = new ArrayList<>();
        for (Instant start = periodStart(from, period); !start.plus(period).isAfter(to); start = start.plus(period)) {
            starts.add(start);
        }
        return starts;
    }

    /** The unsigned receipt of one period (see the type's Javadoc). */
    public static UsageReceipt receipt(UUID leaseId, Address provider, Address consumer, Instant start, Duration period) {
        if (!periodStart(start, period).equals(start)) {
            throw new IllegalArgumentException(start + " is not the start of a " + period + " period");
        }
        return new UsageReceipt(periodId(leaseId, start, period), leaseId, provider, consumer, 0, 0, 0, period.toMillis(),
                0, 0, start, start.plus(period), null, null, null);
    }

    /** Why {@code receipt} is not a period receipt of its lease under {@code period}, if it is not. */
    public static Optional<String> problem(UsageReceipt receipt, Duration period) {
        if (!periodStart(receipt.startedAt(), period).equals(receipt.startedAt())) {
            return Optional.of("a storage period starts at a whole multiple of " + period + ", not " + receipt.startedAt());
        }
        if (receipt.wallMillis() != period.toMillis() || !receipt.endedAt().equals(receipt.startedAt().plus(period))) {
            return Optional.of("a storage period lasts " + period + " (" + period.toMillis() + " ms)");
        }
        if (!receipt.invocationId().equals(periodId(receipt.leaseId(), receipt.startedAt(), period))) {
            return Optional.of("the id of the period starting at " + receipt.startedAt() + " of lease " + receipt.leaseId()
                    + " is " + periodId(receipt.leaseId(), receipt.startedAt(), period));
        }
        if (receipt.cpuNanos() != 0 || receipt.peakMemoryBytes() != 0 || receipt.bytesIn() != 0 || receipt.bytesOut() != 0
                || receipt.grant() != null) {
            return Optional.of("a storage period claims no CPU, memory, bytes or grant");
        }
        return Optional.empty();
    }

    /** The charge of {@code wallMillis} of {@code storageGiB} at {@code perGiBMonth} wei (see the type's Javadoc). */
    public static BigInteger charge(BigInteger perGiBMonth, long storageGiB, long wallMillis) {
        return perGiBMonth.multiply(BigInteger.valueOf(storageGiB)).multiply(BigInteger.valueOf(wallMillis))
                .divide(MONTH_MILLIS);
    }
}
