package cloud.agora.billing.domain;

import cloud.agora.billing.domain.Rejection.Reasons;
import cloud.agora.billing.persistence.LeaseRepository;
import cloud.agora.billing.persistence.QuarantineRepository;
import cloud.agora.billing.persistence.ReceiptRepository;
import cloud.agora.billing.persistence.WitnessRepository;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.ReceiptPrefixTree;
import cloud.agora.protocol.usage.ReceiptTreeAnswer;
import cloud.agora.protocol.usage.ReceiptTreeQuery;
import cloud.agora.protocol.usage.UsageReceipt;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
 * keeps them), in two ways:
 * <ul>
 *   <li>{@link #nodes}: anti-entropy. Billing answers the nodes of protocol's {@link ReceiptPrefixTree} over the
 *   receipts it <em>holds</em> for the provider's lease and day, and the agent descends from the root into the nodes
 *   that differ, so finding k missing receipts among n costs about k·log(n) digests. Held means that sending the
 *   receipt again would change nothing: rated, waiting for the gateway's witness, or quarantined after the provider's
 *   attestation was verified (out of bounds, outside the lease, unwitnessed after the witness window, a lease not known
 *   yet, a duplicate). Copies refused before that (malformed, a bad provider signature, usage that breaks the memory
 *   rule) do not count: anyone can make them, and counting one would hide the honest receipt from the agent.</li>
 *   <li>{@link #compare}: the earlier whole-list form, over rated receipts: equal Merkle roots mean equal sets;
 *   otherwise the invocation ids the agent holds and billing lacks, and those billing rated that the agent does not
 *   list.</li>
 * </ul>
 */
@ApplicationScoped
public class UsageReconciler {

    /** Quarantine reasons given before the provider's attestation was verified: such copies are not held. */
    static final List<String> UNATTESTED = List.of(Reasons.MALFORMED, Reasons.BAD_PROVIDER_SIGNATURE, Reasons.INVALID_USAGE);

    private final Transactions transactions;
    private final ReceiptRepository receipts;
    private final LeaseRepository leases;
    private final WitnessRepository witnesses;
    private final QuarantineRepository quarantine;

    public UsageReconciler(Transactions transactions, ReceiptRepository receipts, LeaseRepository leases,
            WitnessRepository witnesses, QuarantineRepository quarantine) {
        this.transactions = transactions;
        this.receipts = receipts;
        this.leases = leases;
        this.witnesses = witnesses;
        this.quarantine = quarantine;
    }

    /**
     * The asked nodes of the prefix tree over the receipts billing holds (see the class) of the provider
     * {@code caller}'s lease that ended on the query's UTC day. Reads only the hashes in the range the asked prefixes
     * span; changes nothing.
     *
     * @throws InvalidUsageBatchException without a query
     * @throws AccessDeniedException      when the lease is not a lease of the caller known to billing
     */
    public ReceiptTreeAnswer nodes(Address caller, ReceiptTreeQuery query) {
        if (query == null) {
            throw new InvalidUsageBatchException("a body {leaseId, day, prefixes} is required");
        }
        byte[] first = query.prefixes().stream().map(ReceiptPrefixTree::firstHash).min(Arrays::compareUnsigned).orElseThrow();
        byte[] last = query.prefixes().stream().map(ReceiptPrefixTree::lastHash).max(Arrays::compareUnsigned).orElseThrow();
        Instant from = query.day().atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = query.day().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        UUID leaseId = query.leaseId();
        List<byte[]> held = new ArrayList<>();
        List<String> unrated = new ArrayList<>();
        transactions.read(c -> {
            LeaseTerms lease = leases.find(c, List.of(leaseId)).get(leaseId);
            if (lease == null || !lease.provider().equals(caller)) {
                throw new AccessDeniedException(caller, "lease " + leaseId + " is not a lease of the caller known to billing");
            }
            for (String hash : receipts.leaseHashes(c, leaseId, from, to, Numeric.toHexString(first), Numeric.toHexString(last))) {
                held.add(Numeric.hexStringToByteArray(hash));
            }
            unrated.addAll(witnesses.waitingPayloads(c, leaseId, caller.value()));
            unrated.addAll(quarantine.payloads(c, leaseId, caller.value(), UNATTESTED));
            return null;
        });
        for (String payload : unrated) {
            UsageReceipt receipt = IncomingReceipt.parse(payload, "reconciliation").receipt();
            if (receipt == null || !receipt.leaseId().equals(leaseId) || !receipt.provider().equals(caller)
                    || receipt.endedAt().isBefore(from) || !receipt.endedAt().isBefore(to)) {
                continue;
            }
            byte[] hash = receipt.hash();
            if (Arrays.compareUnsigned(hash, first) >= 0 && Arrays.compareUnsigned(hash, last) <= 0) {
                held.add(hash);
            }
        }
        return ReceiptPrefixTree.of(held).answer(query);
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
