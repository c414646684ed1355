package cloud.agora.protocol.usage;

import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

/**
 * A question in the anti-entropy descent ({@link ReceiptPrefixTree}): "for the receipts you hold of this lease that
 * ended on this UTC day, what are these nodes?" The agent asks billing with {@code POST /api/v1/usage/tree-nodes}.
 *
 * @param leaseId  the lease
 * @param day      the UTC day of the receipts' {@code endedAt}
 * @param prefixes 1 to {@value #MAX_PREFIXES} node prefixes, each a string of {@code 0} and {@code 1} of at most 256
 *                 characters (the first bits of the hashes the node covers, most significant first; {@code ""} is the
 *                 root), each once
 */
public record ReceiptTreeQuery(UUID leaseId, LocalDate day, List<String> prefixes) {

    /** The most prefixes one query names (a descent asks for more in several queries). */
    public static final int MAX_PREFIXES = 512;

    public ReceiptTreeQuery {
        if (leaseId == null || day == null || prefixes == null) {
            throw new IllegalArgumentException("leaseId, day and prefixes are required");
        }
        if (prefixes.stream().anyMatch(java.util.Objects::isNull)) { // List.of(...).contains(null) would throw
            throw new IllegalArgumentException("a prefix is a string of 0 and 1, not null");
        }
        prefixes = List.copyOf(prefixes);
        if (prefixes.isEmpty() || prefixes.size() > MAX_PREFIXES) {
            throw new IllegalArgumentException("a query names 1 to " + MAX_PREFIXES + " prefixes, not " + prefixes.size());
        }
        if (prefixes.stream().distinct().count() != prefixes.size()) {
            throw new IllegalArgumentException("a query names each prefix once");
        }
        prefixes.forEach(ReceiptPrefixTree::checkPrefix);
    }

    /** The root's question. */
    public static ReceiptTreeQuery root(UUID leaseId, LocalDate day) {
        return new ReceiptTreeQuery(leaseId, day, List.of(""));
    }

    @Override
    public String toString() {
        return "ReceiptTreeQuery[" + leaseId + ", " + day + ", " + prefixes.size() + " prefixes]";
    }
}
