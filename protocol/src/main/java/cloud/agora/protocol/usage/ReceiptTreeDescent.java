package cloud.agora.protocol.usage;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.web3j.utils.Numeric;

/**
 * The asking side of the anti-entropy exchange: compares a local {@link ReceiptPrefixTree} with the other party's,
 * root first, and descends only into nodes whose digests differ, level by level (one round of queries per level, each
 * of at most {@value ReceiptTreeQuery#MAX_PREFIXES} prefixes). A node the other side answers as a bucket is compared
 * leaf by leaf. Equal sets cost one query and one digest; one leaf missing among n costs one digest per level for the
 * root and two per level below it, down to the first bucket (about log2(n / {@value ReceiptPrefixTree#BUCKET})
 * levels).
 *
 * <p>The other side's answers are not trusted to be well formed: nodes it was not asked for are ignored, leaves outside
 * their node are dropped, and the descent stops at {@value ReceiptPrefixTree#MAX_DEPTH} bits.
 */
public final class ReceiptTreeDescent {

    private ReceiptTreeDescent() {
    }

    /**
     * Where two sets differ.
     *
     * @param missingThere    leaves held here and not by the other side (ascending)
     * @param onlyThere       leaves the other side holds and this side does not (ascending)
     * @param queries         queries sent
     * @param digests         node digests received
     * @param leavesReceived  leaf hashes received in bucket answers
     */
    public record Differences(List<byte[]> missingThere, List<byte[]> onlyThere, int queries, int digests, int leavesReceived) {

        /** Whether both sides hold the same set. */
        public boolean none() {
            return missingThere.isEmpty() && onlyThere.isEmpty();
        }
    }

    /**
     * Descends {@code local} against the other side, which answers each query through {@code ask}.
     *
     * @throws RuntimeException whatever {@code ask} throws (the descent is then abandoned; the caller retries later)
     */
    public static Differences compare(ReceiptPrefixTree local, UUID leaseId, LocalDate day,
            Function<ReceiptTreeQuery, ReceiptTreeAnswer> ask) {
        List<byte[]> missing = new ArrayList<>();
        List<byte[]> onlyThere = new ArrayList<>();
        int queries = 0;
        int digests = 0;
        int leavesReceived = 0;
        List<String> frontier = List.of("");
        while (!frontier.isEmpty()) {
            List<String> next = new ArrayList<>();
            for (int from = 0; from < frontier.size(); from += ReceiptTreeQuery.MAX_PREFIXES) {
                List<String> asked = frontier.subList(from, Math.min(frontier.size(), from + ReceiptTreeQuery.MAX_PREFIXES));
                ReceiptTreeAnswer answer = ask.apply(new ReceiptTreeQuery(leaseId, day, asked));
                queries++;
                Map<String, ReceiptTreeNode> byPrefix = answer.nodes().stream().filter(n -> n.prefix() != null)
                        .collect(Collectors.toMap(ReceiptTreeNode::prefix, n -> n, (a, b) -> a));
                for (String prefix : asked) {
                    ReceiptTreeNode there = byPrefix.get(prefix);
                    if (there == null) {
                        throw new IllegalStateException("the answer lacks node '" + prefix + "'");
                    }
                    digests++;
                    ReceiptTreeNode here = local.node(prefix);
                    if (here.digest().equalsIgnoreCase(String.valueOf(there.digest()))) {
                        continue;
                    }
                    if (there.leaves() != null) {
                        leavesReceived += there.leaves().size();
                        compareBucket(local.leavesUnder(prefix), prefix, there.leaves(), missing, onlyThere);
                    } else if (prefix.length() < ReceiptPrefixTree.MAX_DEPTH) {
                        next.add(prefix + "0");
                        next.add(prefix + "1");
                    }
                }
            }
            frontier = next;
        }
        missing.sort(Arrays::compareUnsigned);
        onlyThere.sort(Arrays::compareUnsigned);
        return new Differences(missing, onlyThere, queries, digests, leavesReceived);
    }

    private static void compareBucket(List<byte[]> here, String prefix, List<String> thereHex, List<byte[]> missing,
            List<byte[]> onlyThere) {
        Set<String> there = new HashSet<>();
        for (String hex : thereHex) {
            byte[] leaf = hex == null ? null : Numeric.hexStringToByteArray(hex);
            if (leaf != null && leaf.length == 32 && ReceiptPrefixTree.covers(prefix, leaf)) {
                there.add(Numeric.toHexString(leaf));
            }
        }
        Set<String> mine = new HashSet<>();
        for (byte[] leaf : here) {
            String hex = Numeric.toHexString(leaf);
            mine.add(hex);
            if (!there.contains(hex)) {
                missing.add(leaf);
            }
        }
        for (String hex : there) {
            if (!mine.contains(hex)) {
                onlyThere.add(Numeric.hexStringToByteArray(hex));
            }
        }
    }
}
