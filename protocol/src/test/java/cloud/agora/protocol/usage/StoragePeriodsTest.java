package cloud.agora.protocol.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StoragePeriodsTest {

    static final Duration HOUR = Duration.ofHours(1);
    static final UUID LEASE = UUID.fromString("5e0a1d2c-0000-4000-8000-000000000001");
    static final Address PROVIDER = Address.parse("0x00000000000000000000000000000000000000a1");
    static final Address CONSUMER = Address.parse("0x00000000000000000000000000000000000000c1");
    static final Instant START = Instant.parse("2026-12-05T10:00:00Z");

    private static UsageReceipt period() {
        return StoragePeriods.receipt(LEASE, PROVIDER, CONSUMER, START, HOUR);
    }

    private static UsageReceipt with(UUID id, long cpuNanos, long wallMillis, Instant start, Instant end) {
        UsageReceipt r = period();
        return new UsageReceipt(id, r.leaseId(), r.provider(), r.consumer(), cpuNanos, 0, 0, wallMillis, 0, 0, start, end,
                null, null, null);
    }

    @Test
    void aPeriodsReceiptIsDeterminedByItsLeaseAndStartSoProviderAndGatewayHashTheSame() {
        UsageReceipt one = period();
        UsageReceipt other = StoragePeriods.receipt(LEASE, PROVIDER, CONSUMER, START, HOUR);
        assertThat(one.hash()).isEqualTo(other.hash());
        assertThat(one.invocationId()).isEqualTo(StoragePeriods.periodId(LEASE, START, HOUR));
        assertThat(one.wallMillis()).isEqualTo(3_600_000);
        assertThat(one.endedAt()).isEqualTo(START.plus(HOUR));
        assertThat(StoragePeriods.problem(one, HOUR)).isEmpty();
        // the next period, another lease: other ids
        assertThat(StoragePeriods.periodId(LEASE, START.plus(HOUR), HOUR)).isNotEqualTo(one.invocationId());
        assertThat(StoragePeriods.periodId(UUID.randomUUID(), START, HOUR)).isNotEqualTo(one.invocationId());
    }

    @Test
    void aReceiptThatIsNotExactlyOnePeriodOfItsLeaseHasAProblem() {
        UUID id = StoragePeriods.periodId(LEASE, START, HOUR);
        Instant late = START.plusSeconds(1);
        // shifted by a second: not a period start (and another id would not help: the id names the start)
        assertThat(StoragePeriods.problem(with(StoragePeriods.periodId(LEASE, late, HOUR), 0, 3_600_000, late,
                late.plus(HOUR)), HOUR)).get().asString().contains("whole multiple");
        // two periods' worth under one id
        assertThat(StoragePeriods.problem(with(id, 0, 7_200_000, START, START.plus(HOUR).plus(HOUR)), HOUR)).get()
                .asString().contains("lasts");
        // a fresh id for the same period (to be charged twice)
        assertThat(StoragePeriods.problem(with(UUID.randomUUID(), 0, 3_600_000, START, START.plus(HOUR)), HOUR)).get()
                .asString().contains("the id of the period");
        // CPU claimed on top
        assertThat(StoragePeriods.problem(with(id, 5, 3_600_000, START, START.plus(HOUR)), HOUR)).get().asString()
                .contains("no CPU");
        // a period of another length is not a period here
        assertThat(StoragePeriods.problem(period(), Duration.ofMinutes(30))).isPresent();
        assertThatThrownBy(() -> StoragePeriods.receipt(LEASE, PROVIDER, CONSUMER, late, HOUR))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anHourOfOneGibAtAGibMonthPriceIsTheMonthsPriceProRataRoundedDown() {
        BigInteger perMonth = BigInteger.valueOf(30L * 24 * 3600 * 1000); // 1 wei per GiB-millisecond
        assertThat(StoragePeriods.charge(perMonth, 1, 3_600_000)).isEqualTo(BigInteger.valueOf(3_600_000));
        assertThat(StoragePeriods.charge(perMonth, 4, 3_600_000)).isEqualTo(BigInteger.valueOf(14_400_000));
        assertThat(StoragePeriods.charge(BigInteger.valueOf(1_000), 1, 3_600_000)).isEqualTo(BigInteger.ONE); // 1.38..
        assertThat(StoragePeriods.charge(BigInteger.ZERO, 16, 3_600_000)).isZero();
    }

    @Test
    void thePeriodsEndedBetweenTwoInstantsStartAtTheFirstOnesPeriodAndEndByTheSecond() {
        assertThat(StoragePeriods.endedBetween(START.plusSeconds(600), START.plus(Duration.ofMinutes(179)), HOUR))
                .containsExactly(START, START.plus(HOUR));
        assertThat(StoragePeriods.endedBetween(START, START.plus(Duration.ofMinutes(59)), HOUR)).isEmpty();
        assertThat(StoragePeriods.periodStart(START.plusMillis(3_599_999), HOUR)).isEqualTo(START);
    }
}
