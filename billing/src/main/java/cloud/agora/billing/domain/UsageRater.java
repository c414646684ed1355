package cloud.agora.billing.domain;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.billing.domain.Rejection.Reasons;
import cloud.agora.billing.persistence.LeaseRepository;
import cloud.agora.billing.persistence.QuarantineRepository;
import cloud.agora.billing.persistence.QuarantineRepository.Entry;
import cloud.agora.billing.persistence.ReceiptRepository;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.usage.UsageReceipt;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.web3j.utils.Numeric;

/**
 * Rates usage receipts, each exactly once, whatever the duplicates, redeliveries and restarts.
 *
 * <p>A batch is checked (signatures, lease, provider, consumer), then in one transaction: the good receipts are
 * inserted with their charge ({@code INSERT ... ON CONFLICT (invocation_id) DO NOTHING}), only those actually
 * inserted are added to the running totals, copies of receipts already rated are quarantined as replays (or as
 * conflicting duplicates when their content differs), and every refused receipt is quarantined with its reason.
 * Callers commit the source's position (Kafka offset, HTTP response) only after that transaction: a crash in
 * between redelivers the batch, and the primary key makes the second pass charge nothing.
 */
@ApplicationScoped
public class UsageRater {

    private final Transactions transactions;
    private final LeaseRepository leases;
    private final ReceiptRepository receipts;
    private final QuarantineRepository quarantine;
    private final ReceiptCheck check;
    private final MeterRegistry metrics;

    public UsageRater(Transactions transactions, LeaseRepository leases, ReceiptRepository receipts,
            QuarantineRepository quarantine, BillingConfig config, MeterRegistry metrics) {
        this.transactions = transactions;
        this.leases = leases;
        this.receipts = receipts;
        this.quarantine = quarantine;
        this.check = new ReceiptCheck(BillingConfig.Ingestion.trustedGateways(config).stream()
                .map(Address::parse).collect(Collectors.toSet()));
        this.metrics = metrics;
    }

    /** Rates {@code batch} in its own transaction. */
    public RatingOutcome rate(List<IncomingReceipt> batch) {
        List<Checked> signatureChecks = checkSignatures(batch);
        return transactions.inTransaction(c -> rateIn(c, batch, signatureChecks));
    }

    /** Rates {@code batch} inside the caller's transaction on {@code c} (signatures are checked here too). */
    public RatingOutcome rateIn(Connection c, List<IncomingReceipt> batch) throws SQLException {
        return rateIn(c, batch, checkSignatures(batch));
    }

    /** A receipt's hash (computed once) and what its signatures said. */
    private record Checked(String hash, Optional<Rejection> rejection) {
    }

    private List<Checked> checkSignatures(List<IncomingReceipt> batch) {
        // signature checks are the CPU cost of ingestion: spread them over the cores
        return batch.parallelStream()
                .map(in -> {
                    if (in.receipt() == null) {
                        return new Checked(null, Optional.<Rejection>empty());
                    }
                    byte[] hash = in.receipt().hash();
                    return new Checked(Numeric.toHexString(hash), check.signatures(in.receipt(), hash));
                })
                .toList();
    }

    private RatingOutcome rateIn(Connection c, List<IncomingReceipt> batch, List<Checked> signatureChecks)
            throws SQLException {
        List<Entry> refused = new ArrayList<>();
        List<IncomingReceipt> signed = new ArrayList<>();
        Map<IncomingReceipt, String> hashes = new IdentityHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            IncomingReceipt in = batch.get(i);
            if (in.receipt() == null) {
                refused.add(new Entry(new Rejection(null, Reasons.MALFORMED, in.malformed()), in.source(), null, null, in.payload()));
            } else if (signatureChecks.get(i).rejection().isPresent()) {
                refused.add(entry(signatureChecks.get(i).rejection().get(), in));
            } else {
                signed.add(in);
                hashes.put(in, signatureChecks.get(i).hash());
            }
        }
        Set<UUID> leaseIds = signed.stream().map(in -> in.receipt().leaseId()).collect(Collectors.toSet());
        Map<UUID, LeaseTerms> terms = new HashMap<>(leases.find(c, leaseIds));
        if (!terms.keySet().containsAll(leaseIds)) {
            // about to park receipts: serialise with LeaseRecorder, or a lease committed concurrently would miss them
            // (it looks for parked receipts before ours commit) and they would stay parked; after the lock, look again
            leases.lockArrivals(c);
            Set<UUID> missing = new java.util.HashSet<>(leaseIds);
            missing.removeAll(terms.keySet());
            terms.putAll(leases.find(c, missing));
        }
        Map<UUID, RatedReceipt> candidates = new LinkedHashMap<>();
        Map<UUID, IncomingReceipt> sources = new HashMap<>();
        List<IncomingReceipt> copies = new ArrayList<>();
        for (IncomingReceipt in : signed) {
            UsageReceipt receipt = in.receipt();
            Optional<LeaseTerms> lease = Optional.ofNullable(terms.get(receipt.leaseId()));
            Optional<Rejection> leaseProblem = check.lease(receipt, lease);
            RatedReceipt earlier = candidates.get(receipt.invocationId());
            if (leaseProblem.isPresent()) {
                refused.add(entry(leaseProblem.get(), in));
            } else if (earlier != null && isTwin(earlier.receipt(), earlier.hash(), receipt, hashes.get(in))) {
                // the agent's and the gateway's copy of one receipt in one batch: rate it once, counter-signed
                if (receipt.gatewaySignature() != null) {
                    candidates.put(receipt.invocationId(), new RatedReceipt(receipt, earlier.hash(), earlier.charge()));
                    sources.put(receipt.invocationId(), in);
                }
            } else if (earlier != null) {
                copies.add(in);
            } else {
                candidates.put(receipt.invocationId(), new RatedReceipt(receipt, hashes.get(in), lease.get().charge(receipt)));
                sources.put(receipt.invocationId(), in);
            }
        }
        List<RatedReceipt> all = new ArrayList<>(candidates.values());
        Set<UUID> inserted = receipts.insertNew(c, all);
        List<RatedReceipt> rated = all.stream().filter(r -> inserted.contains(r.receipt().invocationId())).toList();
        receipts.addToTotals(c, rated);
        List<IncomingReceipt> notInserted = new ArrayList<>(copies);
        for (RatedReceipt r : all) {
            if (!inserted.contains(r.receipt().invocationId())) {
                notInserted.add(sources.get(r.receipt().invocationId()));
            }
        }
        Map<UUID, String> counterSignatures = new HashMap<>();
        if (!notInserted.isEmpty()) {
            Map<UUID, ReceiptRepository.StoredSignatures> stored = receipts.storedSignatures(c,
                    notInserted.stream().map(in -> in.receipt().invocationId()).collect(Collectors.toSet()));
            for (IncomingReceipt in : notInserted) {
                UsageReceipt receipt = in.receipt();
                ReceiptRepository.StoredSignatures was = stored.get(receipt.invocationId());
                String hash = hashes.get(in);
                boolean same = hash.equals(was.hash());
                if (same && (receipt.gatewaySignature() == null) != (was.gatewaySignature() == null)) {
                    // the other copy of a rated receipt (DESIGN: gateway key): keep the counter-signature, charge nothing
                    if (receipt.gatewaySignature() != null) {
                        counterSignatures.put(receipt.invocationId(), receipt.gatewaySignature());
                    }
                    continue;
                }
                refused.add(entry(new Rejection(receipt.invocationId(), same ? Reasons.REPLAYED : Reasons.CONFLICTING_DUPLICATE,
                        same ? "already rated: charges nothing"
                                : "invocation " + receipt.invocationId() + " was rated with another receipt (" + was.hash() + ")"), in));
            }
        }
        receipts.recordCounterSignatures(c, counterSignatures);
        quarantine.add(c, refused);
        metrics.counter("billing.receipts.rated").increment(rated.size());
        metrics.counter("billing.receipts.counter-signed-later").increment(counterSignatures.size());
        for (Entry e : refused) {
            metrics.counter("billing.receipts.quarantined", "reason", e.rejection().reason()).increment();
        }
        return new RatingOutcome(rated, refused.stream().map(Entry::rejection).toList());
    }

    /** The same canonical receipt, one copy counter-signed by a gateway and the other not. */
    private static boolean isTwin(UsageReceipt a, String hashA, UsageReceipt b, String hashB) {
        return hashA.equals(hashB) && (a.gatewaySignature() == null) != (b.gatewaySignature() == null);
    }

    private static Entry entry(Rejection rejection, IncomingReceipt in) {
        UsageReceipt r = in.receipt();
        return new Entry(rejection, in.source(), r.leaseId(), r.provider().value(), in.payload());
    }
}
