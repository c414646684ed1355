package cloud.agora.protocol.usage;

import cloud.agora.protocol.eth.Keccak256;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.utils.Numeric;

/**
 * A prefix (radix) tree over a set of receipt hashes — one lease's receipts of one UTC day — that two parties descend
 * together to find where their sets differ, with work proportional to the difference rather than to the set.
 *
 * <p>{@link ReceiptMerkleTree} sorts its leaves, so one insertion shifts every later position and a descent by
 * position cannot locate it. Here a node is named by a bit prefix instead: the node {@code p} covers the leaves whose
 * hash (32 bytes, most significant bit first) starts with the bits of {@code p}; the root is the empty prefix, and
 * {@code p}'s children are {@code p0} and {@code p1}. Its digest:
 * <ul>
 *   <li>no leaf: 32 zero bytes;</li>
 *   <li>1 to {@value #BUCKET} leaves (a <em>bucket</em>): {@code keccak256(0x00 ‖ leaves ascending)};</li>
 *   <li>more: {@code keccak256(0x01 ‖ digest(p0) ‖ digest(p1))}.</li>
 * </ul>
 * Every node is a function of the set alone, so equal sets have equal digests whatever order their receipts arrived
 * in, and a node whose digests differ covers at least one leaf that only one side holds. Duplicates count once.
 * Instances are immutable; digests are computed when first asked and kept.
 */
public final class ReceiptPrefixTree {

    /** A node of at most this many leaves is a bucket: its digest hashes its leaves, and an answer lists them. */
    public static final int BUCKET = 16;
    /** The longest prefix: a hash's 256 bits. */
    public static final int MAX_DEPTH = 256;
    private static final byte[] EMPTY = new byte[32];

    /** The leaves, ascending (unsigned), each once. */
    private final byte[][] leaves;
    /** Digests of nodes of more than one bucket, by (depth, index of their first leaf). */
    private final Map<Long, byte[]> digests = new HashMap<>();

    private ReceiptPrefixTree(byte[][] leaves) {
        this.leaves = leaves;
    }

    /**
     * The tree over these 32-byte hashes.
     *
     * @throws IllegalArgumentException when one is not 32 bytes
     */
    public static ReceiptPrefixTree of(Collection<byte[]> leafHashes) {
        byte[][] sorted = new byte[leafHashes.size()][];
        int i = 0;
        for (byte[] leaf : leafHashes) {
            if (leaf == null || leaf.length != 32) {
                throw new IllegalArgumentException("a leaf is a 32-byte hash");
            }
            sorted[i++] = leaf.clone();
        }
        Arrays.sort(sorted, Arrays::compareUnsigned);
        int unique = 0;
        for (byte[] leaf : sorted) {
            if (unique == 0 || !Arrays.equals(sorted[unique - 1], leaf)) {
                sorted[unique++] = leaf;
            }
        }
        return new ReceiptPrefixTree(unique == sorted.length ? sorted : Arrays.copyOf(sorted, unique));
    }

    /** How many distinct leaves. */
    public int size() {
        return leaves.length;
    }

    /** The root's digest. */
    public synchronized byte[] root() {
        return digest(0, 0, leaves.length).clone();
    }

    /** The root's digest as 0x hex. */
    public String rootHex() {
        return Numeric.toHexString(root());
    }

    /**
     * The node {@code prefix}: its digest, count and, for a bucket, its leaves.
     *
     * @throws IllegalArgumentException when the prefix is not a string of at most 256 {@code 0}s and {@code 1}s
     */
    public synchronized ReceiptTreeNode node(String prefix) {
        checkPrefix(prefix);
        int[] range = range(prefix);
        int from = range[0];
        int to = range[1];
        byte[] digest = digest(prefix.length(), from, to);
        List<String> bucket = null;
        if (to - from <= BUCKET) {
            bucket = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                bucket.add(Numeric.toHexString(leaves[i]));
            }
        }
        return new ReceiptTreeNode(prefix, Numeric.toHexString(digest), to - from, bucket);
    }

    /** The leaves the node {@code prefix} covers, ascending. */
    public List<byte[]> leavesUnder(String prefix) {
        checkPrefix(prefix);
        int[] range = range(prefix);
        List<byte[]> out = new ArrayList<>(range[1] - range[0]);
        for (int i = range[0]; i < range[1]; i++) {
            out.add(leaves[i].clone());
        }
        return out;
    }

    /** The answer to {@code query} over this tree. */
    public ReceiptTreeAnswer answer(ReceiptTreeQuery query) {
        List<ReceiptTreeNode> nodes = new ArrayList<>(query.prefixes().size());
        for (String prefix : query.prefixes()) {
            nodes.add(node(prefix));
        }
        return new ReceiptTreeAnswer(query.leaseId(), query.day(), nodes);
    }

    /** Whether {@code leaf} starts with the bits of {@code prefix}. */
    public static boolean covers(String prefix, byte[] leaf) {
        for (int i = 0; i < prefix.length(); i++) {
            if (bit(leaf, i) != prefix.charAt(i) - '0') {
                return false;
            }
        }
        return true;
    }

    /** The smallest hash the node {@code prefix} can cover: its bits, then zeros (to fetch only a node's leaves). */
    public static byte[] firstHash(String prefix) {
        return padded(prefix, 0);
    }

    /** The largest hash the node {@code prefix} can cover: its bits, then ones. */
    public static byte[] lastHash(String prefix) {
        return padded(prefix, 1);
    }

    private static byte[] padded(String prefix, int fill) {
        checkPrefix(prefix);
        byte[] hash = new byte[32];
        for (int i = 0; i < MAX_DEPTH; i++) {
            int bit = i < prefix.length() ? prefix.charAt(i) - '0' : fill;
            hash[i >>> 3] |= (byte) (bit << (7 - (i & 7)));
        }
        return hash;
    }

    /** Refuses anything but a string of at most {@value #MAX_DEPTH} {@code 0}s and {@code 1}s. */
    static void checkPrefix(String prefix) {
        if (prefix == null || prefix.length() > MAX_DEPTH) {
            throw new IllegalArgumentException("a prefix is a string of at most " + MAX_DEPTH + " bits");
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c != '0' && c != '1') {
                throw new IllegalArgumentException("a prefix holds only 0 and 1, not '" + c + "'");
            }
        }
    }

    /** [from, to) of the leaves under {@code prefix}: each bit halves the range at the first leaf with that bit set. */
    private int[] range(String prefix) {
        int from = 0;
        int to = leaves.length;
        for (int depth = 0; depth < prefix.length() && from < to; depth++) {
            int split = firstWithBit(depth, from, to);
            if (prefix.charAt(depth) == '0') {
                to = split;
            } else {
                from = split;
            }
        }
        return new int[] {from, to};
    }

    /** The first index in [from, to) whose leaf has bit {@code depth} set (leaves there share the bits before it). */
    private int firstWithBit(int depth, int from, int to) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (bit(leaves[mid], depth) == 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private byte[] digest(int depth, int from, int to) {
        int count = to - from;
        if (count == 0) {
            return EMPTY;
        }
        if (count <= BUCKET) {
            byte[] input = new byte[1 + 32 * count];
            for (int i = 0; i < count; i++) {
                System.arraycopy(leaves[from + i], 0, input, 1 + 32 * i, 32);
            }
            return Keccak256.hash(input);
        }
        long key = ((long) depth << 32) | from;
        byte[] known = digests.get(key);
        if (known != null) {
            return known;
        }
        int split = firstWithBit(depth, from, to);
        byte[] input = new byte[65];
        input[0] = 1;
        System.arraycopy(digest(depth + 1, from, split), 0, input, 1, 32);
        System.arraycopy(digest(depth + 1, split, to), 0, input, 33, 32);
        byte[] digest = Keccak256.hash(input);
        digests.put(key, digest);
        return digest;
    }

    private static int bit(byte[] hash, int index) {
        return (hash[index >>> 3] >>> (7 - (index & 7))) & 1;
    }
}
