package cloud.agora.protocol.eip712;

import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;
import org.web3j.utils.Numeric;

/** The 32-byte words of Solidity's {@code abi.encode}, as EIP-712's {@code encodeData} uses them. */
final class AbiWords {

    private AbiWords() {
    }

    static byte[] uint256(BigInteger value) {
        if (value.signum() < 0 || value.bitLength() > 256) {
            throw new IllegalArgumentException("not a uint256: " + value);
        }
        return Numeric.toBytesPadded(value, 32);
    }

    static byte[] address(Address address) {
        return Numeric.toBytesPadded(Numeric.toBigInt(address.value()), 32);
    }

    static byte[] concat(byte[]... words) {
        int length = 0;
        for (byte[] word : words) {
            length += word.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] word : words) {
            System.arraycopy(word, 0, out, at, word.length);
            at += word.length;
        }
        return out;
    }
}
