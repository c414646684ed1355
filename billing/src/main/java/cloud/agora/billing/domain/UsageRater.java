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
import cloud.agora.billing.persistence.WitnessRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import org.jboss.logging.Logger;
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
 * Rates usage receipts, each exactly once, whatever the duplicates, redeliveries and restarts; and only receipts
 * that are authorized (a gateway grant), witnessed (counter-signed by a trusted gateway key) and within bounds.
 *
 * <p>A batch is checked (signatures, lease, provider, consumer, grant and bounds), then in one transaction: the good
 * witnessed receipts are inserted with their charge ({@code INSERT ... ON CONFLICT (invocation_id) DO NOTHING}, which
 * also removes their copies waiting for the witness), only those actually inserted are added to the running totals,
 * copies of receipts already rated are quarantined as replays (or as conflicting duplicates when their content
 * differs), good receipts without a witness (the agent's copies) wait for it in {@code awaiting_witness} unless their
 * witnessed twin is rated already, and every refused receipt is quarantined with its reason. Callers commit the
 * source's position (Kafka offset, HTTP response) only after that transaction: a crash in between redelivers the
 * batch, and the primary keys make the second pass charge nothing. Every step is one set-based statement per batch.
 */
@ApplicationScoped
public class UsageRater {

    private static final Logger LOG = Logger.getLogger(UsageRater.class);

    private final Transactions transactions;
    private final LeaseRepository leases;
    private final ReceiptRepository receipts;
    private final QuarantineRepository quarantine;
    private final WitnessRepository witnesses;
    private final Set<Address> gateways;
    private final ReceiptCheck check;
    private final MeterRegistry metrics;
    private final Clock clock;

    public UsageRater(Transactions transactions, LeaseRepository leases, ReceiptRepository receipts,
            QuarantineRepository quarantine, WitnessRepository witnesses, BillingConfig config, MeterRegistry metrics,
            Clock clock) {
        this.transactions = transactions;
        this.leases = leases;
        this.receipts = receipts;
        this.quarantine = quarantine;
        this.witnesses = witnesses;
        this.gateways = trustedGateways(config);
        this.check = new ReceiptCheck(gateways, config.clockSkew());
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * The gateway keys whose witness counts ({@code agora.billing.gateways}).
     *
     * @throws IllegalStateException when none is configured: billing refuses to start rather than rate unwitnessed usage
     */
    public static Set<Address> trustedGateways(BillingConfig config) {
        Set<Address> gateways = config.gateways().orElse(List.of()).stream().map(String::trim).filter(a -> !a.isEmpty())
                .map(Address::parse).collect(Collectors.toSet());
        if (gateways.isEmpty()) {
            throw new IllegalStateException("agora.billing.gateways (AGORA_BILLING_GATEWAYS) is empty: billing rates only"
                    + " receipts witnessed by a platform gateway, so it needs at least one gateway address"
                    + " (comma-separated, the functions gateway's agora.functions.gateway-key-file address)");
        }
        return gateways;
    }

    /** Checks the configuration at start (creating this bean checks the trusted gateways). */
    void onStart(@Observes StartupEvent event) {
        LOG.infof("rating only receipts witnessed by %s", gateways);
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
        List<IncomingReceipt> unwitnessed = new ArrayList<>();
        for (IncomingReceipt in : signed) {
            UsageReceipt receipt = in.receipt();
            Optional<LeaseTerms> lease = Optional.ofNullable(terms.get(receipt.leaseId()));
            Optional<Rejection> leaseProblem = check.lease(receipt, lease);
            if (leaseProblem.isPresent()) {
                refused.add(entry(leaseProblem.get(), in));
            } else if (receipt.gatewaySignature() == null) {
                // the agent's copy: rated only through its witnessed twin (below: waits for it, or is already covered)
                unwitnessed.add(in);
            } else if (candidates.containsKey(receipt.invocationId())) {
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
        List<WitnessRepository.Waiting> waiting = new ArrayList<>();
        if (!notInserted.isEmpty() || !unwitnessed.isEmpty()) {
            // one query for both: what is rated under these ids (this transaction's inserts included)
            Set<UUID> ids = new java.util.HashSet<>();
            notInserted.forEach(in -> ids.add(in.receipt().invocationId()));
            unwitnessed.forEach(in -> ids.add(in.receipt().invocationId()));
            Map<UUID, ReceiptRepository.StoredSignatures> stored = receipts.storedSignatures(c, ids);
            for (IncomingReceipt in : notInserted) {
                UsageReceipt receipt = in.receipt();
                ReceiptRepository.StoredSignatures was = stored.get(receipt.invocationId());
                boolean same = hashes.get(in).equals(was.hash());
                if (same && was.gatewaySignature() == null) {
                    // rated before witnesses were required: keep the counter-signature, charge nothing
                    counterSignatures.put(receipt.invocationId(), receipt.gatewaySignature());
                    continue;
                }
                refused.add(entry(new Rejection(receipt.invocationId(), same ? Reasons.REPLAYED : Reasons.CONFLICTING_DUPLICATE,
                        same ? "already rated: charges nothing"
                                : "invocation " + receipt.invocationId() + " was rated with another receipt (" + was.hash() + ")"), in));
            }
            Set<String> waitingHashes = new java.util.HashSet<>();
            for (IncomingReceipt in : unwitnessed) {
                UsageReceipt receipt = in.receipt();
                ReceiptRepository.StoredSignatures was = stored.get(receipt.invocationId());
                String hash = hashes.get(in);
                if (was == null) {
                    if (waitingHashes.add(hash)) {
                        waiting.add(new WitnessRepository.Waiting(hash, receipt.invocationId(), receipt.leaseId(),
                                receipt.provider().value(), in.source(), in.payload()));
                    }
                } else if (!hash.equals(was.hash())) {
                    refused.add(entry(new Rejection(receipt.invocationId(), Reasons.CONFLICTING_DUPLICATE,
                            "invocation " + receipt.invocationId() + " was rated with another receipt (" + was.hash() + ")"), in));
                }
                // else: the agent's copy of a receipt rated through its witnessed twin: nothing to do
            }
        }
        receipts.recordCounterSignatures(c, counterSignatures);
        witnesses.await(c, waiting, clock.instant());
        quarantine.add(c, refused);
        metrics.counter("billing.receipts.rated").increment(rated.size());
        metrics.counter("billing.receipts.awaiting-witness").increment(waiting.size());
        for (Entry e : refused) {
            metrics.counter("billing.receipts.quarantined", "reason", e.rejection().reason()).increment();
        }
        return new RatingOutcome(rated, refused.stream().map(Entry::rejection).toList(),
                waiting.stream().map(WitnessRepository.Waiting::invocationId).toList());
    }

    private static Entry entry(Rejection rejection, IncomingReceipt in) {
        UsageReceipt r = in.receipt();
        return new Entry(rejection, in.source(), r.leaseId(), r.provider().value(), in.payload());
    }
}
