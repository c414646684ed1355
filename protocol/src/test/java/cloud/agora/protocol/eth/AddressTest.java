package cloud.agora.protocol.eth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AddressTest {

    @Test
    void equalAddressesAreEqualWhateverTheirCase() {
        Address checksummed = Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        Address lower = Address.parse("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
        assertThat(checksummed).isEqualTo(lower);
        assertThat(lower.checksummed()).isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    }

    @Test
    void rejectsAMistypedChecksumAndNonAddresses() {
        assertThatThrownBy(() -> Address.parse("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"))
                .isInstanceOf(InvalidAddressException.class);
        assertThatThrownBy(() -> Address.parse("0x1234")).isInstanceOf(InvalidAddressException.class);
        assertThatThrownBy(() -> Address.parse(null)).isInstanceOf(InvalidAddressException.class);
    }

    @Test
    void derivesTheWellKnownAnvilAddressFromItsKey() {
        var key = KeyFiles.parse("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        assertThat(PersonalSignature.addressOf(key).checksummed()).isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    }
}
