package cloud.agora.protocol.usage;

import cloud.agora.protocol.eth.Keccak256;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.web3j.utils.Numeric;

/**
 * A Merkle tree over receipt hashes ({@link UsageReceipt#hash()}), as OpenZeppelin's
 * {@code MerkleProof} verifies it: a parent is {@code keccak256(min(a, b) ‖ max(a, b))}
 * (sorted pair, bytes compared unsigned), so a proof is just the list of siblings.
 *
 * <p>The leaves are sorted and de-duplicated first, so the root depends only on the set of
 * receipts, not the order agent and billing saw them in. A level with an odd count carries its
 * last node up unchanged. The root of no receipts is 32 zero bytes; of one receipt, its hash.
 * Instances are immutable.
 */
public final class ReceiptMerkleTree {

    /** The root of the empty set. */
    public static final byte[] EMPTY_ROOT = new byte[32];
    private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    /** levels.get(0) are the sorted leaves, the last level holds the root. */
    private final List<List<byte[]>> levels;

    private ReceiptMerkleTree(List<List<byte[]>> levels) {
        this.levels = levels;
    }

    /**
     * Builds the tree over 32-byte leaf hashes.
     *
     * @throws IllegalArgumentException when a leaf is not 32 bytes
     */
    public static ReceiptMerkleTree of(Collection<byte[]> leafHashes) {
        List<byte[]> leaves = new ArrayList<>();
        for (byte[] leaf : leafHashes) {
            if (leaf == null || leaf.length != 32) {
                throw new IllegalArgumentException("a leaf is a 32-byte hash");
            }
            leaves.add(leaf.clone());
        }
        leaves.sort(UNSIGNED);
        List<byte[]> unique = new ArrayList<>();
        for (byte[] leaf : leaves) {
            if (unique.isEmpty() || !Arrays.equals(unique.get(unique.size() - 1), leaf)) {
                unique.add(leaf);
            }
        }
        List<List<byte[]>> levels = new ArrayList<>();
        levels.add(List.copyOf(unique));
        List<byte[]> level = unique;
        while (level.size() > 1) {
            List<byte[]> next = new ArrayList<>((level.size() + 1) / 2);
            for (int i = 0; i < level.size(); i += 2) {
                next.add(i + 1 < level.size() ? hashPair(level.get(i), level.get(i + 1)) : level.get(i));
            }
            levels.add(List.copyOf(next));
            level = next;
        }
        return new ReceiptMerkleTree(List.copyOf(levels));
    }

    /** Builds the tree over the receipts' hashes. */
    public static ReceiptMerkleTree ofReceipts(Collection<UsageReceipt> receipts) {
        return of(receipts.stream().map(UsageReceipt::hash).toList());
    }

    /** The root (32 bytes). */
    public byte[] root() {
        List<byte[]> top = levels.get(levels.size() - 1);
        return top.isEmpty() ? EMPTY_ROOT.clone() : top.get(0).clone();
    }

    /** The 0x hex form of the root. */
    public String rootHex() {
        return Numeric.toHexString(root());
    }

    /** How many distinct leaves the tree holds. */
    public int size() {
        return levels.get(0).size();
    }

    /**
     * The siblings from the leaf up to the root, for {@link #verify} or OpenZeppelin's
     * {@code MerkleProof.verify(proof, root, leaf)}.
     *
     * @throws IllegalArgumentException when the leaf is not in the tree
     */
    public List<byte[]> proof(byte[] leaf) {
        int index = indexOf(levels.get(0), leaf);
        if (index < 0) {
            throw new IllegalArgumentException("the leaf is not in the tree: " + Numeric.toHexString(leaf));
        }
        List<byte[]> proof = new ArrayList<>();
        for (int depth = 0; depth < levels.size() - 1; depth++) {
            List<byte[]> level = levels.get(depth);
            int sibling = index ^ 1;
            if (sibling < level.size()) {
                proof.add(level.get(sibling).clone());
            }
            index /= 2;
        }
        return proof;
    }

    /** Whether {@code proof} links {@code leaf} to {@code root} (OpenZeppelin's processProof). */
    public static boolean verify(List<byte[]> proof, byte[] root, byte[] leaf) {
        Objects.requireNonNull(root, "root");
        byte[] computed = leaf;
        for (byte[] sibling : proof) {
            computed = hashPair(computed, sibling);
        }
        return Arrays.equals(computed, root);
    }

    /** keccak256 of the two hashes in ascending (unsigned) order. */
    public static byte[] hashPair(byte[] a, byte[] b) {
        byte[] first = Arrays.compareUnsigned(a, b) <= 0 ? a : b;
        byte[] second = first == a ? b : a;
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return Keccak256.hash(both);
    }

    private static int indexOf(List<byte[]> sorted, byte[] leaf) {
        int low = 0;
        int high = sorted.size() - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int cmp = Arrays.compareUnsigned(sorted.get(mid), leaf);
            if (cmp == 0) {
                return mid;
            } else if (cmp < 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return -1;
    }
}
