package cloud.agora.protocol.eth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

class PersonalSignatureTest {

    private static final ECKeyPair KEY = KeyFiles.parse("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

    @Test
    void recoversTheSignerOfAMessage() {
        String signature = PersonalSignature.sign("hello agora", KEY);
        assertThat(PersonalSignature.recover("hello agora", signature)).isEqualTo(PersonalSignature.addressOf(KEY));
        assertThat(PersonalSignature.recover("hello agorA", signature)).isNotEqualTo(PersonalSignature.addressOf(KEY));
    }

    @Test
    void rejectsTheHighSTwinOfAValidSignature() {
        Sign.SignatureData low = PersonalSignature.parse(PersonalSignature.sign("hello", KEY));
        BigInteger s = Sign.CURVE_PARAMS.getN().subtract(new BigInteger(1, low.getS()));
        byte flippedV = (byte) (low.getV()[0] == 27 ? 28 : 27);
        String high = PersonalSignature.toHex(new Sign.SignatureData(flippedV, low.getR(), Numeric.toBytesPadded(s, 32)));
        assertThatThrownBy(() -> PersonalSignature.recover("hello", high))
                .isInstanceOf(InvalidSignatureException.class).hasMessageContaining("high-s");
    }

    @Test
    void rejectsMalformedSignatures() {
        assertThatThrownBy(() -> PersonalSignature.recover("x", "0x1234")).isInstanceOf(InvalidSignatureException.class);
        assertThatThrownBy(() -> PersonalSignature.recover("x", "zz")).isInstanceOf(InvalidSignatureException.class);
        String bad = PersonalSignature.sign("x", KEY);
        String wrongV = bad.substring(0, bad.length() - 2) + "1f";
        assertThatThrownBy(() -> PersonalSignature.recover("x", wrongV)).isInstanceOf(InvalidSignatureException.class);
    }
}
