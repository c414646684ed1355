package cloud.agora.protocol.usage;

import java.util.List;

/**
 * One node of a {@link ReceiptPrefixTree} as an answer gives it.
 *
 * @param prefix the node's prefix, as asked
 * @param digest 0x hex of its 32-byte digest (32 zero bytes when it covers no leaf)
 * @param count  how many leaves it covers
 * @param leaves 0x hex of those leaves, ascending, when it is a bucket (at most {@value ReceiptPrefixTree#BUCKET}
 *               leaves); null for a larger node, whose children the asker asks for next
 */
public record ReceiptTreeNode(String prefix, String digest, long count, List<String> leaves) {

    public ReceiptTreeNode {
        leaves = leaves == null ? null : List.copyOf(leaves);
    }
}
