package cloud.agora.protocol.invocation;

import cloud.agora.protocol.eth.Address;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.web3j.utils.Numeric;

/** The fixed-width pieces the signed encodings of this package are made of (big-endian throughout). */
final class CanonicalBytes {

    /** Width of an encoding tag: ASCII, zero-padded on the right. */
    static final int TAG = 32;

    private CanonicalBytes() {
    }

    static void tag(ByteBuffer out, String tag) {
        byte[] ascii = tag.getBytes(StandardCharsets.US_ASCII);
        if (ascii.length > TAG) {
            throw new IllegalArgumentException("a tag holds at most " + TAG + " bytes: " + tag);
        }
        out.put(ascii).put(new byte[TAG - ascii.length]);
    }

    static String tag(ByteBuffer in) {
        byte[] raw = new byte[TAG];
        in.get(raw);
        int end = 0;
        while (end < TAG && raw[end] != 0) {
            end++;
        }
        return new String(raw, 0, end, StandardCharsets.US_ASCII);
    }

    static void uuid(ByteBuffer out, UUID id) {
        out.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    static UUID uuid(ByteBuffer in) {
        return new UUID(in.getLong(), in.getLong());
    }

    static void address(ByteBuffer out, Address address) {
        out.put(Numeric.hexStringToByteArray(address.value()));
    }

    static Address address(ByteBuffer in) {
        byte[] raw = new byte[20];
        in.get(raw);
        return new Address(Numeric.toHexString(raw));
    }
}
