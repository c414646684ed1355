package cloud.agora.protocol.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.event.JsonCodec;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class WeiTest {

    @Test
    void writesAmountsAsDecimalStringsSoNoClientLosesPrecision() {
        Wei big = Wei.parse("123456789012345678901234567890");
        assertThat(JsonCodec.write(big)).isEqualTo("\"123456789012345678901234567890\"");
        assertThat(JsonCodec.read("\"123456789012345678901234567890\"", Wei.class)).isEqualTo(big);
    }

    @Test
    void readsJsonIntegersButNotFractionsOrNegatives() {
        assertThat(JsonCodec.read("1000000000000000000000", Wei.class)).isEqualTo(Wei.parse("1000000000000000000000"));
        assertThatThrownBy(() -> JsonCodec.read("1.5", Wei.class)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonCodec.read("-3", Wei.class)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonCodec.read("\"" + "9".repeat(80) + "\"", Wei.class))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsNegativeFractionalAndOverflowingAmounts() {
        assertThatThrownBy(() -> Wei.parse("-1")).isInstanceOf(WeiOutOfRangeException.class);
        assertThatThrownBy(() -> Wei.parse("1.5")).isInstanceOf(WeiOutOfRangeException.class);
        assertThatThrownBy(() -> Wei.parse("1e18")).isInstanceOf(WeiOutOfRangeException.class);
        assertThatThrownBy(() -> new Wei(Wei.MAX_UINT256.add(BigInteger.ONE))).isInstanceOf(WeiOutOfRangeException.class);
        assertThat(new Wei(Wei.MAX_UINT256).value()).isEqualTo(BigInteger.TWO.pow(256).subtract(BigInteger.ONE));
    }

    @Test
    void arithmeticNeverGoesNegativeOrPastUint256() {
        assertThat(Wei.of(7).plus(Wei.of(5))).isEqualTo(Wei.of(12));
        assertThat(Wei.of(7).minus(Wei.of(7)).isZero()).isTrue();
        assertThatThrownBy(() -> Wei.of(5).minus(Wei.of(7))).isInstanceOf(WeiOutOfRangeException.class);
        assertThatThrownBy(() -> new Wei(Wei.MAX_UINT256).plus(Wei.of(1))).isInstanceOf(WeiOutOfRangeException.class);
    }
}
