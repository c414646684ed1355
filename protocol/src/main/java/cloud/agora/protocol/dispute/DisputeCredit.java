package cloud.agora.protocol.dispute;

import cloud.agora.protocol.eth.Keccak256;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The leaf an upheld dispute's credit adds to its pair's voucher tree. A voucher commits to every receipt it pays for
 * and every credit it deducts: its {@code cumulativeAmount} is the receipts' charges minus the credits, and its root
 * is the Merkle root over both kinds of leaf, so a bill recomputed from the voucher's leaves still adds up.
 *
 * <p>The leaf is {@code keccak256} of the 32-byte ASCII tag {@value #ENCODING_TAG} zero-padded, the dispute id and the
 * disputed invocation id (16 bytes each) and the credited amount in wei (32 bytes, big-endian) — never a receipt's
 * hash (a receipt's encoding is 200 bytes with another tag).
 */
public final class DisputeCredit {

    /** Versions the leaf. */
    public static final String ENCODING_TAG = "agora.dispute-credit.v1";

    private DisputeCredit() {
    }

    /** The voucher-tree leaf of a credit of {@code amount} wei for dispute {@code disputeId} over {@code invocationId}. */
    public static byte[] leaf(UUID disputeId, UUID invocationId, BigInteger amount) {
        if (amount.signum() < 0 || amount.bitLength() > 256) {
            throw new IllegalArgumentException("a credit is 0 to 2^256 - 1 wei");
        }
        byte[] tag = ENCODING_TAG.getBytes(StandardCharsets.US_ASCII);
        byte[] value = amount.toByteArray();
        int skip = value.length > 32 ? value.length - 32 : 0;
        ByteBuffer b = ByteBuffer.allocate(32 + 16 + 16 + 32);
        b.put(tag).put(new byte[32 - tag.length]);
        b.putLong(disputeId.getMostSignificantBits()).putLong(disputeId.getLeastSignificantBits());
        b.putLong(invocationId.getMostSignificantBits()).putLong(invocationId.getLeastSignificantBits());
        b.put(new byte[32 - (value.length - skip)]).put(value, skip, value.length - skip);
        return Keccak256.hash(b.array());
    }
}
