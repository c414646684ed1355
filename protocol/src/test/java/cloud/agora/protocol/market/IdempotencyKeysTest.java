package cloud.agora.protocol.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdempotencyKeysTest {

    @Test
    void aBareKeyAndItsStructuredFieldStringNameTheSameKey() {
        assertThat(IdempotencyKeys.parse("8e03978e-40d5-43e8-bc93-6894a57f9324"))
                .isEqualTo(IdempotencyKeys.parse("\"8e03978e-40d5-43e8-bc93-6894a57f9324\""))
                .isEqualTo("8e03978e-40d5-43e8-bc93-6894a57f9324");
        assertThat(IdempotencyKeys.parse(null)).isNull();
        assertThat(IdempotencyKeys.parse("k".repeat(IdempotencyKeys.MAX_LENGTH))).hasSize(IdempotencyKeys.MAX_LENGTH);
    }

    @Test
    void generatedKeysAreValidAndDistinct() {
        String one = IdempotencyKeys.generate();
        assertThat(IdempotencyKeys.parse(one)).isEqualTo(one);
        assertThat(IdempotencyKeys.generate()).isNotEqualTo(one);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\"\"", "a b", "a\tb", "caf\u00e9", "a\"b", "a\\b", "\u0001"})
    void refusesWhatIsNotAKey(String header) {
        assertThatThrownBy(() -> IdempotencyKeys.parse(header)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesAKeyLongerThanTheLimit() {
        assertThatThrownBy(() -> IdempotencyKeys.parse("k".repeat(IdempotencyKeys.MAX_LENGTH + 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
