package cloud.agora.protocol.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.money.Wei;
import org.junit.jupiter.api.Test;

class ResourcesTest {

    @Test
    void fitsOnlyWhenEveryComponentFits() {
        Resources capacity = new Resources(2000, 4096, 10);
        assertThat(new Resources(2000, 4096, 10).fitsIn(capacity)).isTrue();
        assertThat(new Resources(2001, 1, 0).fitsIn(capacity)).isFalse();
        assertThat(new Resources(1, 4097, 0).fitsIn(capacity)).isFalse();
        assertThat(new Resources(1, 1, 11).fitsIn(capacity)).isFalse();
    }

    @Test
    void subtractsWithoutGoingNegative() {
        Resources free = new Resources(1000, 512, 0).minusFloored(new Resources(1500, 256, 1));
        assertThat(free).isEqualTo(new Resources(0, 256, 0));
        assertThatThrownBy(() -> new Resources(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ranksOffersByWhatTheBidsResourcesCostThere() {
        Resources replica = new Resources(500, 2048, 0);
        Prices cpuHeavy = new Prices(Wei.of(1000), Wei.of(1), Wei.ZERO, Wei.ZERO);
        Prices memoryHeavy = new Prices(Wei.of(1), Wei.of(1000), Wei.ZERO, Wei.ZERO);
        // 0.5 vCPU × 1000 + 2 GiB × 1 = 502 per second vs 0.5 × 1 + 2 × 1000 = 2000.5 per second
        assertThat(cpuHeavy.scaledRate(replica)).isLessThan(memoryHeavy.scaledRate(replica));
        assertThat(cpuHeavy.allAtMost(new Prices(Wei.of(1000), Wei.of(1), Wei.ZERO, Wei.ZERO))).isTrue();
        assertThat(cpuHeavy.allAtMost(new Prices(Wei.of(999), Wei.of(5), Wei.of(5), Wei.of(5)))).isFalse();
    }
}
