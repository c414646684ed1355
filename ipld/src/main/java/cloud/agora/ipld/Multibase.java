package cloud.agora.ipld;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * The two multibase encodings IPFS uses for CIDs: base58btc (prefix {@code z}, and bare for
 * CIDv0) and lower-case RFC 4648 base32 without padding (prefix {@code b}, the CIDv1 default).
 */
public final class Multibase {

    private static final String BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
    private static final int[] BASE58_INDEX = index(BASE58);
    private static final int[] BASE32_INDEX = index(BASE32);

    private Multibase() {
    }

    private static int[] index(String alphabet) {
        int[] index = new int[128];
        Arrays.fill(index, -1);
        for (int i = 0; i < alphabet.length(); i++) {
            index[alphabet.charAt(i)] = i;
        }
        return index;
    }

    /** Base58btc without a multibase prefix (leading zero bytes become '1'). */
    public static String base58btc(byte[] bytes) {
        int zeros = 0;
        while (zeros < bytes.length && bytes[zeros] == 0) {
            zeros++;
        }
        StringBuilder out = new StringBuilder();
        BigInteger value = new BigInteger(1, bytes);
        BigInteger base = BigInteger.valueOf(58);
        while (value.signum() > 0) {
            BigInteger[] qr = value.divideAndRemainder(base);
            out.append(BASE58.charAt(qr[1].intValue()));
            value = qr[0];
        }
        out.append("1".repeat(zeros));
        return out.reverse().toString();
    }

    /** Decodes base58btc without a prefix; rejects characters outside the alphabet. */
    public static byte[] decodeBase58btc(String text) {
        int zeros = 0;
        while (zeros < text.length() && text.charAt(zeros) == '1') {
            zeros++;
        }
        BigInteger value = BigInteger.ZERO;
        BigInteger base = BigInteger.valueOf(58);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int digit = c < 128 ? BASE58_INDEX[c] : -1;
            if (digit < 0) {
                throw new IllegalArgumentException("'" + c + "' is not a base58btc character");
            }
            value = value.multiply(base).add(BigInteger.valueOf(digit));
        }
        byte[] magnitude = value.signum() == 0 ? new byte[0] : value.toByteArray();
        int skip = magnitude.length > 0 && magnitude[0] == 0 ? 1 : 0;
        byte[] out = new byte[zeros + magnitude.length - skip];
        System.arraycopy(magnitude, skip, out, zeros, magnitude.length - skip);
        return out;
    }

    /** RFC 4648 base32, lower case, no padding, without a multibase prefix. */
    public static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xFF);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32.charAt((buffer >>> (bits - 5)) & 0x1F));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(BASE32.charAt((buffer << (5 - bits)) & 0x1F));
        }
        return out.toString();
    }

    /** Decodes lower-case unpadded base32; rejects other characters and non-zero trailing bits. */
    public static byte[] decodeBase32(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int digit = c < 128 ? BASE32_INDEX[c] : -1;
            if (digit < 0) {
                throw new IllegalArgumentException("'" + c + "' is not a base32 character");
            }
            buffer = (buffer << 5) | digit;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >>> (bits - 8)) & 0xFF);
                bits -= 8;
            }
        }
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0) {
            throw new IllegalArgumentException("base32 text has a dangling or non-zero tail");
        }
        return out.toByteArray();
    }
}
