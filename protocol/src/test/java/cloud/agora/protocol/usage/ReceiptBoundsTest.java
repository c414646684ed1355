package cloud.agora.protocol.usage;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReceiptBoundsTest {

    static final Address PROVIDER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    static final Address CONSUMER = Address.parse("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    static final Instant ISSUED = Instant.parse("2026-12-04T12:00:00Z");
    static final UUID INVOCATION = UUID.randomUUID();
    static final UUID LEASE = UUID.randomUUID();
    static final InvocationGrant GRANT = InvocationGrant.unsigned(INVOCATION, LEASE, PROVIDER, CONSUMER, "cid", 1_000,
            ISSUED, Duration.ofSeconds(30));
    static final Duration SKEW = Duration.ofSeconds(5);

    static UsageReceipt receipt(long cpuNanos, long peakBytes, long wallMillis, Instant startedAt, InvocationGrant grant) {
        return UsageReceipt.unsigned(INVOCATION, LEASE, PROVIDER, CONSUMER, cpuNanos, peakBytes, wallMillis, 10, 10, startedAt,
                startedAt.plusMillis(wallMillis), grant);
    }

    static Optional<String> reason(UsageReceipt receipt) {
        // a lease of a quarter core and 64 MiB
        return ReceiptBounds.check(receipt, 250, 64, SKEW).map(ReceiptBounds.Violation::reason);
    }

    @Test
    void aCallWithinItsGrantAndLeaseIsInBounds() {
        assertThat(reason(receipt(50_000_000L, 64L << 20, 200, ISSUED.plusMillis(3), GRANT))).isEmpty();
        // the most CPU the quota allows: (wall + two CFS periods) × quota + slack
        long max = ReceiptBounds.maxCpuNanos(200, 250);
        assertThat(max).isEqualTo((200 + 200) * 250 * 1_000L + 50_000_000L);
        assertThat(reason(receipt(max, 1, 200, ISSUED, GRANT))).isEmpty();
        assertThat(reason(receipt(0, 0, 1_000 + 2_000, ISSUED.plusSeconds(30), GRANT))).isEmpty();
    }

    @Test
    void refusesAReceiptWithoutGrantOrWithAnotherCallsGrant() {
        assertThat(reason(receipt(1, 1, 10, ISSUED, null))).contains(ReceiptBounds.NO_GRANT);
        InvocationGrant other = InvocationGrant.unsigned(UUID.randomUUID(), LEASE, PROVIDER, CONSUMER, "cid", 1_000, ISSUED,
                Duration.ofSeconds(30));
        assertThat(reason(receipt(1, 1, 10, ISSUED, other))).contains(ReceiptBounds.GRANT_MISMATCH);
        InvocationGrant otherProvider = InvocationGrant.unsigned(INVOCATION, LEASE, CONSUMER, CONSUMER, "cid", 1_000, ISSUED,
                Duration.ofSeconds(30));
        assertThat(reason(receipt(1, 1, 10, ISSUED, otherProvider))).contains(ReceiptBounds.GRANT_MISMATCH);
    }

    @Test
    void refusesInflatedCpuMemoryAndWallTime() {
        assertThat(reason(receipt(ReceiptBounds.maxCpuNanos(200, 250) + 1, 1, 200, ISSUED, GRANT))).contains(ReceiptBounds.OUT_OF_BOUNDS);
        assertThat(reason(receipt(1, (64L << 20) + 1, 200, ISSUED, GRANT))).contains(ReceiptBounds.OUT_OF_BOUNDS);
        assertThat(reason(receipt(1, 1, 1_000 + 2_001, ISSUED, GRANT))).contains(ReceiptBounds.OUT_OF_BOUNDS);
        UsageReceipt longSpan = new UsageReceipt(INVOCATION, LEASE, PROVIDER, CONSUMER, 1, 1, 0, 0, 0, 0, ISSUED,
                ISSUED.plusSeconds(60), GRANT, null, null);
        assertThat(reason(longSpan)).contains(ReceiptBounds.OUT_OF_BOUNDS);
    }

    @Test
    void refusesACallStartedOutsideItsGrantsWindow() {
        assertThat(reason(receipt(1, 1, 10, ISSUED.minus(SKEW).minusMillis(1), GRANT))).contains(ReceiptBounds.OUT_OF_BOUNDS);
        assertThat(reason(receipt(1, 1, 10, ISSUED.minus(Duration.ofDays(3)), GRANT))).contains(ReceiptBounds.OUT_OF_BOUNDS);
        assertThat(reason(receipt(1, 1, 10, ISSUED.plusSeconds(30).plus(SKEW).plusMillis(1), GRANT)))
                .contains(ReceiptBounds.OUT_OF_BOUNDS);
        assertThat(reason(receipt(1, 1, 10, ISSUED.minus(SKEW), GRANT))).isEmpty();
    }

    @Test
    void noReceiptWithinBoundsIsChargedMoreThanTheGrantsMaximum() {
        Prices prices = new Prices(Wei.of(2_000_000), Wei.of(200_000), Wei.of(2_000_000_000L), Wei.of(1));
        BigInteger max = ReceiptBounds.maxCharge(prices, 1_000, 250, 64);
        long maxWall = 1_000 + 2_000;
        UsageReceipt atEveryBound = receipt(ReceiptBounds.maxCpuNanos(maxWall, 250), 64L << 20, maxWall, ISSUED, GRANT);
        assertThat(reason(atEveryBound)).isEmpty();
        assertThat(ReceiptRating.charge(prices, atEveryBound)).isEqualTo(max);
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 2_000; i++) {
            long wall = random.nextLong(maxWall + 1);
            UsageReceipt r = receipt(random.nextLong(ReceiptBounds.maxCpuNanos(wall, 250) + 1), random.nextLong((64L << 20) + 1),
                    wall, ISSUED, GRANT);
            assertThat(reason(r)).isEmpty();
            assertThat(ReceiptRating.charge(prices, r)).isLessThanOrEqualTo(max);
        }
        // one more wall millisecond, CPU nanosecond or byte of memory is out of bounds: the maximum is tight
        assertThat(reason(receipt(ReceiptBounds.maxCpuNanos(maxWall, 250), 64L << 20, maxWall + 1, ISSUED, GRANT)))
                .contains(ReceiptBounds.OUT_OF_BOUNDS);
    }
}
