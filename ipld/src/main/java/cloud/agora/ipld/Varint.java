package cloud.agora.ipld;

import java.io.ByteArrayOutputStream;

/** Unsigned LEB128 varints as multiformats use them (CID version, codec, multihash code and length). */
public final class Varint {

    private Varint() {
    }

    /** Appends {@code value} (non-negative) as an unsigned varint. */
    public static void write(long value, ByteArrayOutputStream out) {
        if (value < 0) {
            throw new IllegalArgumentException("varints are unsigned: " + value);
        }
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    /** The varint's bytes. */
    public static byte[] encode(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(10);
        write(value, out);
        return out.toByteArray();
    }

    /**
     * Reads a varint at {@code cursor[0]} and advances the cursor. Rejects truncated and
     * non-minimal encodings (multiformats requires the shortest form) and values over 2^63-1.
     */
    public static long read(byte[] bytes, int[] cursor) {
        long value = 0;
        int shift = 0;
        int start = cursor[0];
        while (true) {
            if (cursor[0] >= bytes.length) {
                throw new IllegalArgumentException("truncated varint");
            }
            if (shift > 56) {
                throw new IllegalArgumentException("varint longer than 9 bytes");
            }
            int b = bytes[cursor[0]++] & 0xFF;
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (b == 0 && cursor[0] - start > 1) {
                    throw new IllegalArgumentException("varint is not minimally encoded");
                }
                return value;
            }
            shift += 7;
        }
    }
}
