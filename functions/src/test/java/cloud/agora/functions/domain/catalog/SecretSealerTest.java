package cloud.agora.functions.domain.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretSealerTest {

    final SecretSealer sealer = new SecretSealer(new byte[32]);

    @Test
    void opensWhatItSealedOnlyInTheSameSlot() {
        byte[] sealed = sealer.seal("s3cret-value", "f/1/TOKEN");
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("s3cret");
        assertThat(sealer.open(sealed, "f/1/TOKEN")).isEqualTo("s3cret-value");
        assertThatThrownBy(() -> sealer.open(sealed, "f/2/TOKEN")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sealer.open(tampered(sealed), "f/1/TOKEN")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sealsTheSameValueDifferentlyEachTime() {
        assertThat(sealer.seal("v", "s")).isNotEqualTo(sealer.seal("v", "s"));
    }

    @Test
    void refusesKeysThatAreNot256Bits() {
        assertThatThrownBy(() -> new SecretSealer(new byte[16])).hasMessageContaining("32 bytes");
    }

    static byte[] tampered(byte[] sealed) {
        byte[] copy = sealed.clone();
        copy[copy.length - 1] ^= 1;
        return copy;
    }
}
