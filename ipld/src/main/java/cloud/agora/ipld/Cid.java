package cloud.agora.ipld;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A content identifier: version, content codec and a sha2-256 multihash. CIDv0 is the bare
 * base58btc multihash of a dag-pb block ({@code Qm...}); CIDv1 is
 * {@code <version><codec><multihash>} in a multibase, base32 ({@code b...}) by default.
 * Only dag-pb (0x70) and raw (0x55) content with sha2-256 (0x12) is served, which covers what
 * {@code ipfs add} produces with either CID version.
 *
 * @param version 0 or 1
 * @param codec   {@link #DAG_PB} or {@link #RAW} (CIDv0 is always dag-pb)
 * @param digest  the 32-byte sha2-256 digest of the block
 */
public record Cid(int version, int codec, byte[] digest) {

    /** Multicodec of dag-pb blocks (UnixFS nodes). */
    public static final int DAG_PB = 0x70;
    /** Multicodec of raw blocks (CIDv1 leaves). */
    public static final int RAW = 0x55;
    /** Multihash code of sha2-256. */
    public static final int SHA2_256 = 0x12;

    public Cid {
        if (version != 0 && version != 1) {
            throw new IllegalArgumentException("CID version " + version);
        }
        if (codec != DAG_PB && codec != RAW) {
            throw new IllegalArgumentException("codec 0x" + Integer.toHexString(codec));
        }
        if (version == 0 && codec != DAG_PB) {
            throw new IllegalArgumentException("CIDv0 is always dag-pb");
        }
        if (digest.length != 32) {
            throw new IllegalArgumentException("sha2-256 digests have 32 bytes, not " + digest.length);
        }
        digest = digest.clone();
    }

    /** The CID of {@code block} under {@code codec}, in the given version. */
    public static Cid of(int version, int codec, byte[] block) {
        return new Cid(version, codec, sha256(block));
    }

    /** The CID of {@code block}'s bytes [0, length). */
    public static Cid of(int version, int codec, byte[] block, int length) {
        MessageDigest sha = sha256();
        sha.update(block, 0, length);
        return new Cid(version, codec, sha.digest());
    }

    /**
     * Parses a CID in its string form: CIDv0 ({@code Qm...}) or a CIDv1 in base32 ({@code b})
     * or base58btc ({@code z}).
     *
     * @throws InvalidCidException when it is malformed or uses an unsupported codec or hash
     */
    public static Cid parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidCidException(String.valueOf(text), "empty");
        }
        if (text.length() > 128) {
            throw new InvalidCidException(text.substring(0, 32) + "...", "too long");
        }
        try {
            if (text.length() == 46 && text.startsWith("Qm")) {
                byte[] multihash = Multibase.decodeBase58btc(text);
                int[] cursor = {0};
                byte[] digest = readMultihash(multihash, cursor);
                if (cursor[0] != multihash.length) {
                    throw new IllegalArgumentException("trailing bytes");
                }
                return new Cid(0, DAG_PB, digest);
            }
            byte[] bytes = switch (text.charAt(0)) {
                case 'b' -> Multibase.decodeBase32(text.substring(1));
                case 'z' -> Multibase.decodeBase58btc(text.substring(1));
                default -> throw new IllegalArgumentException(
                        "multibase prefix '" + text.charAt(0) + "' is not base32 (b) or base58btc (z)");
            };
            return fromBytes(bytes);
        } catch (IllegalArgumentException e) {
            throw new InvalidCidException(text, e.getMessage());
        }
    }

    /** Parses a CID's binary form (as CAR files and dag-pb links hold it). */
    public static Cid fromBytes(byte[] bytes) {
        int[] cursor = {0};
        if (bytes.length == 34 && bytes[0] == SHA2_256 && bytes[1] == 32) {
            return new Cid(0, DAG_PB, readMultihash(bytes, cursor));
        }
        long version = Varint.read(bytes, cursor);
        if (version != 1) {
            throw new IllegalArgumentException("CID version " + version + " (only 0 and 1 exist)");
        }
        long codec = Varint.read(bytes, cursor);
        if (codec != DAG_PB && codec != RAW) {
            throw new IllegalArgumentException("codec 0x" + Long.toHexString(codec) + " is not dag-pb or raw");
        }
        byte[] digest = readMultihash(bytes, cursor);
        if (cursor[0] != bytes.length) {
            throw new IllegalArgumentException("trailing bytes after the multihash");
        }
        return new Cid(1, (int) codec, digest);
    }

    private static byte[] readMultihash(byte[] bytes, int[] cursor) {
        long code = Varint.read(bytes, cursor);
        if (code != SHA2_256) {
            throw new IllegalArgumentException("hash function 0x" + Long.toHexString(code) + " is not sha2-256");
        }
        long length = Varint.read(bytes, cursor);
        if (length != 32 || bytes.length - cursor[0] < 32) {
            throw new IllegalArgumentException("a sha2-256 multihash holds 32 bytes");
        }
        byte[] digest = Arrays.copyOfRange(bytes, cursor[0], cursor[0] + 32);
        cursor[0] += 32;
        return digest;
    }

    /** The multihash: {@code 0x12 0x20 <digest>}. */
    public byte[] multihash() {
        byte[] out = new byte[34];
        out[0] = SHA2_256;
        out[1] = 32;
        System.arraycopy(digest, 0, out, 2, 32);
        return out;
    }

    /** The binary form: the multihash for CIDv0, {@code 0x01 <codec> <multihash>} for CIDv1. */
    public byte[] bytes() {
        if (version == 0) {
            return multihash();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(37);
        Varint.write(1, out);
        Varint.write(codec, out);
        out.writeBytes(multihash());
        return out.toByteArray();
    }

    /** Whether {@code block} is the content this CID names (its sha2-256 digest matches). */
    public boolean matches(byte[] block) {
        return MessageDigest.isEqual(digest, sha256(block));
    }

    /** The same content named as a CIDv1 (base32). */
    public Cid toV1() {
        return version == 1 ? this : new Cid(1, codec, digest);
    }

    /** A stable key for the block whatever the CID version and codec: the digest in hex. */
    public String blockKey() {
        return HexFormat.of().formatHex(digest);
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    /** The canonical string: base58btc for CIDv0, multibase base32 for CIDv1. */
    @Override
    public String toString() {
        return version == 0 ? Multibase.base58btc(multihash()) : "b" + Multibase.base32(bytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cid other && version == other.version && codec == other.codec
                && Arrays.equals(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest) * 31 + version * 7 + codec;
    }

    static byte[] sha256(byte[] block) {
        return sha256().digest(block);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
