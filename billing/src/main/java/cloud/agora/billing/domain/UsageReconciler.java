package cloud.agora.billing.domain;

import cloud.agora.billing.persistence.LeaseRepository;
import cloud.agora.billing.persistence.ReceiptRepository;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.web3j.utils.Numeric;

/**
 * Compares the agent's and billing's receipts of one lease and UTC day (by {@code endedAt}, as the agent's journal
 * keeps its period roots): equal Merkle roots mean equal sets; otherwise the answer lists the invocation ids the
 * agent holds and billing lacks (the agent re-sends them) and those billing rated that the agent does not list.
 */
@ApplicationScoped
public class UsageReconciler {

    private final Transactions transactions;
    private final ReceiptRepository receipts;
    private final LeaseRepository leases;

    public UsageReconciler(Transactions transactions, ReceiptRepository receipts, LeaseRepository leases) {
        this.transactions = transactions;
        this.receipts = receipts;
        this.leases = leases;
    }

    /**
     * The comparison.
     *
     * @param billingRoot    billing's root for the lease and day
     * @param billingCount   how many receipts billing rated for them
     * @param matches        whether the roots are equal
     * @param missing        ids the agent listed that billing has not rated: re-send them
     * @param unknownToAgent ids billing rated that the agent did not list
     */
    public record Comparison(String billingRoot, int billingCount, boolean matches, List<UUID> missing, List<UUID> unknownToAgent) {
    }

    /** Compares for the provider {@code caller}'s lease. */
    public Comparison compare(Address caller, UUID leaseId, LocalDate day, String agentRoot, Set<UUID> agentIds) {
        if (leaseId == null || day == null || agentRoot == null || agentIds == null) {
            throw new InvalidUsageBatchException("leaseId, day, merkleRoot and invocationIds are required");
        }
        return transactions.read(c -> {
            LeaseTerms lease = leases.find(c, List.of(leaseId)).get(leaseId);
            if (lease == null || !lease.provider().equals(caller)) {
                throw new AccessDeniedException(caller, "lease " + leaseId + " is not a lease of the caller known to billing");
            }
            Map<UUID, String> held = receipts.leaseReceipts(c, leaseId, day.atStartOfDay(ZoneOffset.UTC).toInstant(),
                    day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
            String root = ReceiptMerkleTree.of(held.values().stream().map(Numeric::hexStringToByteArray).toList()).rootHex();
            List<UUID> missing = agentIds.stream().filter(id -> !held.containsKey(id)).sorted().toList();
            List<UUID> unknown = held.keySet().stream().filter(id -> !agentIds.contains(id)).sorted().toList();
            return new Comparison(root, held.size(), root.equalsIgnoreCase(agentRoot), missing, unknown);
        });
    }
}
