package cloud.agora.protocol.usage;

import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

/**
 * The answer to a {@link ReceiptTreeQuery}: the asked nodes, in the order asked.
 *
 * @param leaseId the lease asked about
 * @param day     the UTC day asked about
 * @param nodes   one per asked prefix
 */
public record ReceiptTreeAnswer(UUID leaseId, LocalDate day, List<ReceiptTreeNode> nodes) {

    public ReceiptTreeAnswer {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }
}
