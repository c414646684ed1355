package cloud.agora.billing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.usage.UsageReceipt;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LeaseTermsTest {

    static final Address PROVIDER = new Address("0x" + "1".repeat(40));
    static final Address CONSUMER = new Address("0x" + "2".repeat(40));

    static LeaseTerms terms(long cpu, long memory, long invocation) {
        return new LeaseTerms(UUID.randomUUID(), CONSUMER, PROVIDER, BigInteger.valueOf(cpu), BigInteger.valueOf(memory),
                BigInteger.valueOf(invocation), null, 1_000L, 512L);
    }

    static UsageReceipt receipt(long cpuNanos, long peakBytes, long wallMillis) {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        return UsageReceipt.unsigned(UUID.randomUUID(), UUID.randomUUID(), PROVIDER, CONSUMER, cpuNanos, peakBytes, wallMillis,
                10, 20, start, start.plusMillis(wallMillis), null);
    }

    @Test
    void chargesWholeUnitsExactly() {
        // 2 vCPU-seconds at 1,000 wei, 1 GiB for 3 s at 200 wei, one invocation at 5 wei
        UsageReceipt r = receipt(2_000_000_000L, 1024L * 1024 * 1024, 3_000);
        assertThat(terms(1_000, 200, 5).charge(r)).isEqualTo(BigInteger.valueOf(2_000 + 600 + 5));
    }

    @Test
    void roundsDownOnceOverTheWholeReceiptSoTheConsumerPaysLessThanOneWeiBelowTheExactPrice() {
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            long cpu = random.nextLong(5_000_000_000L);
            long peak = random.nextLong(2L << 30);
            long wall = random.nextLong(60_000);
            long pv = random.nextLong(1, 10_000_000_000L);
            long pg = random.nextLong(1, 10_000_000_000L);
            UsageReceipt r = receipt(cpu, peak, wall);
            BigInteger charge = terms(pv, pg, 3).charge(r);
            BigDecimal exact = new BigDecimal(cpu).multiply(new BigDecimal(pv)).divide(new BigDecimal(1_000_000_000L), MathContext.DECIMAL128)
                    .add(new BigDecimal(r.memoryMibMillis()).multiply(new BigDecimal(pg)).divide(new BigDecimal(1024_000L), MathContext.DECIMAL128))
                    .add(BigDecimal.valueOf(3));
            BigDecimal shortfall = exact.subtract(new BigDecimal(charge));
            assertThat(shortfall).as("exact %s, charged %s", exact, charge).isGreaterThanOrEqualTo(BigDecimal.ZERO).isLessThan(BigDecimal.ONE);
        }
    }

    @Test
    void aFractionOfAWeiIsNotCharged() {
        // 1 ns of CPU at 1 wei per vCPU-second: 10^-9 wei, charged 0 (plus the invocation price)
        assertThat(terms(1, 0, 0).charge(receipt(1, 0, 0))).isZero();
        assertThat(terms(1, 0, 7).charge(receipt(999_999_999L, 0, 0))).isEqualTo(BigInteger.valueOf(7));
    }
}
