package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.ReceiptPrefixTree;
import cloud.agora.protocol.usage.ReceiptTreeAnswer;
import cloud.agora.protocol.usage.ReceiptTreeDescent;
import cloud.agora.protocol.usage.ReceiptTreeQuery;
import cloud.agora.protocol.usage.UsageReceipt;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;
import org.web3j.utils.Numeric;

/**
 * Anti-entropy between the journal and billing: for each lease and UTC day the journal holds, compares the prefix
 * tree of its receipts ({@code ReceiptPrefixTree}) with billing's, root first, descending only where they differ
 * ({@code ReceiptTreeDescent}), and re-delivers through the sink exactly the receipts billing lacks. Receipts not
 * shipped yet are left to the {@link ReceiptShipper}; receipts only billing holds are counted, never acted on.
 *
 * <p>Runs a pass periodically and, when asked ({@link #requestPass}), once more soon after shipping recovers from a
 * failure. Serialises its passes. A pass stops at the first failure to reach billing and is tried again on the next
 * one; a lease billing refuses (not known as this provider's yet) is skipped.
 */
public final class ReceiptReconciler {

    private static final Logger LOG = Logger.getLogger(ReceiptReconciler.class);

    private final ReceiptJournal journal;
    private final BillingReceiptTree billing;
    private final UsageSink sink;
    private final AtomicBoolean requested = new AtomicBoolean();
    /** Per (lease, day): the journal's Merkle root and the prefix tree's root computed for it (no rebuild while equal). */
    private final Map<String, String[]> roots = new HashMap<>();

    /**
     * @param billing billing's tree, or null when there is no billing to compare with (then passes do nothing)
     * @param sink    where re-deliveries go, or null (then passes do nothing)
     */
    public ReceiptReconciler(ReceiptJournal journal, BillingReceiptTree billing, UsageSink sink) {
        this.journal = journal;
        this.billing = billing;
        this.sink = sink;
    }

    /** Whether passes compare anything. */
    public boolean enabled() {
        return billing != null && sink != null;
    }

    /**
     * What one pass did.
     *
     * @param periods      (lease, day) pairs compared
     * @param agreed       of them, equal at the root
     * @param resent       receipts re-delivered
     * @param onlyAtBilling receipts billing holds that the journal does not
     * @param queries      queries sent to billing
     * @param digests      node digests received
     * @param complete     whether every pair was compared (false: billing could not be reached)
     */
    public record Pass(int periods, int agreed, int resent, int onlyAtBilling, int queries, int digests, boolean complete) {
    }

    /** Asks for a pass soon (shipping recovered: billing may have lost what it took while failing). */
    public void requestPass() {
        requested.set(true);
    }

    /** Runs a pass if one was requested since the last pass; null otherwise. */
    public Pass reconcileIfRequested() {
        return requested.get() ? reconcile() : null;
    }

    /** One pass over every (lease, day) of the journal. */
    public synchronized Pass reconcile() {
        requested.set(false);
        if (!enabled()) {
            return new Pass(0, 0, 0, 0, 0, 0, true);
        }
        int periods = 0;
        int agreed = 0;
        int resent = 0;
        int onlyAtBilling = 0;
        int queries = 0;
        int digests = 0;
        for (UUID lease : journal.leases()) {
            for (ReceiptJournal.PeriodRoot period : journal.roots(lease)) {
                ReceiptTreeDescent.Differences d;
                try {
                    d = compare(period);
                } catch (BillingReceiptTree.LeaseRefusedException e) {
                    LOG.debugf("anti-entropy skips lease %s: %s", lease, e.getMessage());
                    break;
                } catch (RuntimeException e) {
                    LOG.warnf("anti-entropy pass stopped, retried on the next one: %s", e.getMessage());
                    return new Pass(periods, agreed, resent, onlyAtBilling, queries, digests, false);
                }
                periods++;
                queries += d.queries();
                digests += d.digests();
                onlyAtBilling += d.onlyThere().size();
                if (d.none()) {
                    agreed++;
                    journal.settled(lease, period.day(), period.merkleRoot());
                    continue;
                }
                List<UsageReceipt> lacking = lacking(period, d.missingThere());
                if (!lacking.isEmpty()) {
                    try {
                        sink.deliver(lacking);
                    } catch (RuntimeException e) {
                        LOG.warnf("anti-entropy could not re-deliver %d receipts of lease %s, %s: %s", lacking.size(), lease,
                                period.day(), e.getMessage());
                        return new Pass(periods, agreed, resent, onlyAtBilling, queries, digests, false);
                    }
                    resent += lacking.size();
                    LOG.infof("anti-entropy: billing lacked %d receipts of lease %s, %s: re-delivered", lacking.size(), lease,
                            period.day());
                }
                if (!d.onlyThere().isEmpty()) {
                    LOG.warnf("anti-entropy: billing holds %d receipts of lease %s, %s that this journal does not",
                            d.onlyThere().size(), lease, period.day());
                }
            }
        }
        return new Pass(periods, agreed, resent, onlyAtBilling, queries, digests, true);
    }

    /**
     * Billing's root first; the journal's prefix tree is built only when the root differs from the one computed for
     * the same journal root before.
     */
    private ReceiptTreeDescent.Differences compare(ReceiptJournal.PeriodRoot period) {
        String key = period.leaseId() + "/" + period.day();
        String[] known = roots.get(key);
        ReceiptTreeAnswer rootAnswer = null;
        if (known != null && known[0].equals(period.merkleRoot())) {
            rootAnswer = billing.nodes(ReceiptTreeQuery.root(period.leaseId(), period.day()));
            if (rootAnswer.nodes().size() == 1 && known[1].equalsIgnoreCase(String.valueOf(rootAnswer.nodes().get(0).digest()))) {
                return new ReceiptTreeDescent.Differences(List.of(), List.of(), 1, 1, 0);
            }
        }
        ReceiptPrefixTree tree = ReceiptPrefixTree.of(journal.leaves(period.leaseId(), period.day()));
        roots.put(key, new String[] {period.merkleRoot(), tree.rootHex()});
        ReceiptTreeAnswer first = rootAnswer;
        // billing's root answer, when just asked, starts the descent instead of a second root query
        return ReceiptTreeDescent.compare(tree, period.leaseId(), period.day(), q -> {
            ReceiptTreeAnswer reuse = first != null && q.prefixes().equals(List.of("")) ? first : null;
            return reuse != null ? reuse : billing.nodes(q);
        });
    }

    /** The journal's receipts with these hashes, except those still waiting for the shipper. */
    private List<UsageReceipt> lacking(ReceiptJournal.PeriodRoot period, List<byte[]> missing) {
        Set<UUID> unshipped = unshipped();
        Set<String> hashes = new HashSet<>();
        missing.forEach(h -> hashes.add(Numeric.toHexString(h)));
        List<UsageReceipt> out = new ArrayList<>();
        for (UsageReceipt r : journal.receipts(period.leaseId(), period.day())) {
            if (hashes.contains(r.hashHex()) && !unshipped.contains(r.invocationId())) {
                out.add(r);
            }
        }
        return out;
    }

    private Set<UUID> unshipped() {
        long count = journal.counts().unshipped();
        Set<UUID> ids = new HashSet<>();
        if (count > 0) {
            journal.pending((int) Math.min(Integer.MAX_VALUE, count)).forEach(r -> ids.add(r.invocationId()));
        }
        return ids;
    }
}
