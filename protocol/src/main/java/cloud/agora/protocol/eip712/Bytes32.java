package cloud.agora.protocol.eip712;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.regex.Pattern;
import org.web3j.utils.Numeric;

/**
 * A 32-byte value (a Solidity {@code bytes32}): a hash, a Merkle root. Held as 0x-prefixed lower-case hex
 * so that equal values are equal records.
 */
public record Bytes32(String hex) {

    private static final Pattern HEX32 = Pattern.compile("0x[0-9a-fA-F]{64}");

    /** Thirty-two zero bytes. */
    public static final Bytes32 ZERO = new Bytes32("0x" + "0".repeat(64));

    public Bytes32 {
        if (hex == null || !HEX32.matcher(hex).matches()) {
            throw new IllegalArgumentException("a bytes32 is 0x and 64 hex digits: " + hex);
        }
        hex = hex.toLowerCase(Locale.ROOT);
    }

    /** Parses 0x-prefixed hex of exactly 32 bytes. */
    @JsonCreator
    public static Bytes32 parse(String hex) {
        return new Bytes32(hex);
    }

    /** Wraps exactly 32 bytes. */
    public static Bytes32 of(byte[] bytes) {
        if (bytes == null || bytes.length != 32) {
            throw new IllegalArgumentException("a bytes32 is 32 bytes, got " + (bytes == null ? "null" : bytes.length));
        }
        return new Bytes32(Numeric.toHexString(bytes));
    }

    /** A fresh copy of the 32 bytes. */
    public byte[] toBytes() {
        return Numeric.hexStringToByteArray(hex);
    }

    @JsonValue
    @Override
    public String toString() {
        return hex;
    }
}
