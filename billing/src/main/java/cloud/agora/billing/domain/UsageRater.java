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
import cloud.agora.billing.persistence.WitnessRepository.Witness;
import cloud.agora.billing.persistence.BatchRepository;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.WitnessBatch;
import cloud.agora.billing.metrics.BillingMeters;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
    private final BatchRepository batchesOf;
    private final Set<Address> gateways;
    private final ReceiptCheck check;
    private final BillingMeters meters;
    private final Clock clock;
    private final RatingTraces traces;

    public UsageRater(Transactions transactions, LeaseRepository leases, ReceiptRepository receipts,
            QuarantineRepository quarantine, WitnessRepository witnesses, BatchRepository batchesOf, BillingConfig config,
            BillingMeters meters, Clock clock, RatingTraces traces) {
        this.transactions = transactions;
        this.leases = leases;
        this.receipts = receipts;
        this.quarantine = quarantine;
        this.witnesses = witnesses;
        this.batchesOf = batchesOf;
        this.gateways = trustedGateways(config);
        this.check = new ReceiptCheck(gateways, addresses(config.storageGateways()), config.storagePeriod(),
                config.clockSkew());
        this.meters = meters;
        this.clock = clock;
        this.traces = traces;
    }

    /**
     * The gateway keys whose witness counts ({@code agora.billing.gateways}).
     *
     * @throws IllegalStateException when none is configured: billing refuses to start rather than rate unwitnessed usage
     */
    public static Set<Address> trustedGateways(BillingConfig config) {
        Set<Address> gateways = addresses(config.gateways());
        if (gateways.isEmpty()) {
            throw new IllegalStateException("agora.billing.gateways (AGORA_BILLING_GATEWAYS) is empty: billing rates only"
                    + " receipts witnessed by a platform gateway, so it needs at least one gateway address"
                    + " (comma-separated, the functions gateway's agora.functions.gateway-key-file address)");
        }
        return gateways;
    }

    private static Set<Address> addresses(Optional<List<String>> configured) {
        return configured.orElse(List.of()).stream().map(String::trim).filter(a -> !a.isEmpty()).map(Address::parse)
                .collect(Collectors.toSet());
    }

    /** Checks the configuration at start (creating this bean checks the trusted gateways). */
    void onStart(@Observes StartupEvent event) {
        LOG.infof("rating only receipts witnessed by %s", gateways);
    }

    /** Rates {@code batch} in its own transaction. */
    public RatingOutcome rate(List<IncomingReceipt> batch) {
        return rate(UsageArrivals.of(batch));
    }

    /** Rates what arrived (receipts, providers' batches, witness batches) in one transaction. */
    public RatingOutcome rate(UsageArrivals arrivals) {
        return rate(prepare(arrivals));
    }

    /**
     * Rates what {@link #prepare} checked, in one transaction; counted on the meters once it committed (a rolled-back
     * transaction counts only as failed).
     */
    public RatingOutcome rate(Prepared prepared) {
        Instant began = clock.instant();
        long start = System.nanoTime();
        RatingOutcome outcome;
        try {
            outcome = transactions.inTransaction(c -> rateIn(c, prepared));
        } catch (RuntimeException e) {
            meters.batchFailed();
            throw e;
        }
        meters.batchCommitted(outcome, Duration.ofNanos(System.nanoTime() - start));
        traces.rated(outcome.rated(), began);
        return outcome;
    }

    /**
     * Rates {@code batch} inside the caller's transaction on {@code c} (signatures are checked here too). Counts
     * nothing: the caller counts the outcome ({@link BillingMeters#committed}) once its transaction committed.
     */
    public RatingOutcome rateIn(Connection c, List<IncomingReceipt> batch) throws SQLException {
        return rateIn(c, prepare(UsageArrivals.of(batch)));
    }

    /** A receipt with its hash (computed once) and what its signatures said. */
    record Checked(IncomingReceipt in, String hash, Optional<Rejection> rejection) {
    }

    /**
     * What the CPU-bound checks found, before the transaction: every receipt with its hash and signature verdict, the
     * verified batches to store, the hashes the verified witness batches cover, and what was refused already.
     */
    public record Prepared(List<Checked> receipts, List<BatchRepository.StoredBatch> batches,
            Map<String, Witness> witnessedNow, List<Entry> refused) {
    }

    /**
     * The CPU-bound part of rating (hashes, batch and receipt signatures), safe to run outside and alongside a
     * transaction; {@link #rate(Prepared)} does the rest.
     */
    public Prepared prepare(UsageArrivals arrivals) {
        List<Entry> refused = new ArrayList<>();
        List<BatchRepository.StoredBatch> batches = new ArrayList<>();
        Map<String, Witness> witnessedNow = new HashMap<>();
        for (UsageArrivals.Arrived<WitnessBatch> arrived : arrivals.witnessBatches()) {
            WitnessBatch batch = arrived.batch();
            List<byte[]> hashes = batch.hashes();
            Optional<String> problem = check.witnessBatch(batch, hashes);
            if (problem.isPresent()) {
                refused.add(new Entry(new Rejection(null, Reasons.BAD_GATEWAY_SIGNATURE, "witness batch "
                        + batch.attestation().root() + ": " + problem.get()), arrived.source(), null, null, arrived.payload()));
                continue;
            }
            batches.add(new BatchRepository.StoredBatch(batch.attestation(), hashes));
            Witness witness = new Witness(batch.attestation().signer(), batch.attestation().root());
            hashes.forEach(h -> witnessedNow.putIfAbsent(Numeric.toHexString(h), witness));
        }
        // signature checks are the CPU cost of ingestion: spread them over the cores
        List<Checked> receipts = new ArrayList<>(arrivals.receipts().parallelStream().map(this::checkSignatures).toList());
        for (UsageArrivals.Arrived<ReceiptBatch> arrived : arrivals.receiptBatches()) {
            ReceiptBatch batch = arrived.batch();
            List<byte[]> hashes = batch.receipts().parallelStream().map(UsageReceipt::hash).toList();
            Optional<String> problem = check.receiptBatch(batch, hashes);
            String root = batch.attestation().root();
            if (problem.isEmpty()) {
                batches.add(new BatchRepository.StoredBatch(batch.attestation(), hashes));
            }
            for (int i = 0; i < hashes.size(); i++) {
                UsageReceipt receipt = batch.receipts().get(i);
                IncomingReceipt in = IncomingReceipt.of(receipt, arrived.source()).attestedIn(problem.isEmpty() ? root : null);
                Optional<Rejection> rejection = problem.isPresent()
                        ? Optional.of(new Rejection(receipt.invocationId(), Reasons.BAD_PROVIDER_SIGNATURE,
                                "provider batch " + root + ": " + problem.get()))
                        : check.signatures(receipt, hashes.get(i), true);
                receipts.add(new Checked(in, Numeric.toHexString(hashes.get(i)), rejection));
            }
        }
        return new Prepared(receipts, batches, witnessedNow, refused);
    }

    private Checked checkSignatures(IncomingReceipt in) {
        if (in.receipt() == null) {
            return new Checked(in, null, Optional.empty());
        }
        byte[] hash = in.receipt().hash();
        return new Checked(in, Numeric.toHexString(hash), check.signatures(in.receipt(), hash, in.providerBatch() != null));
    }

    private RatingOutcome rateIn(Connection c, Prepared prepared) throws SQLException {
        List<Entry> refused = new ArrayList<>(prepared.refused());
        List<IncomingReceipt> signed = new ArrayList<>();
        Map<IncomingReceipt, String> hashes = new IdentityHashMap<>();
        for (Checked checked : prepared.receipts()) {
            IncomingReceipt in = checked.in();
            if (in.receipt() == null) {
                refused.add(new Entry(new Rejection(null, Reasons.MALFORMED, in.malformed()), in.source(), null, null, in.payload()));
            } else if (checked.rejection().isPresent()) {
                refused.add(entry(checked.rejection().get(), in));
            } else {
                signed.add(in);
                hashes.put(in, checked.hash());
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
        Map<String, Witness> witnessedNow = prepared.witnessedNow();
        boolean joins = !witnessedNow.isEmpty() || signed.stream().anyMatch(in -> !witnessedItself(in));
        if (joins) {
            // after the lease-arrivals lock, never before it (LeaseRecorder takes them in that order too)
            witnesses.lockJoin(c);
        }
        batchesOf.store(c, prepared.batches());
        // the providers' copies that were waiting for these witnesses: checked when they began waiting, rated now
        List<WitnessRepository.Waiting> released = witnesses.release(c, witnessedNow.keySet());
        if (!released.isEmpty()) {
            for (WitnessRepository.Waiting w : released) {
                IncomingReceipt in = IncomingReceipt.parse(w.payload(), w.source()).attestedIn(w.providerBatch())
                        .witnessedBy(witnessedNow.get(w.hash()));
                if (in.receipt() != null) {
                    signed.add(in);
                    hashes.put(in, w.hash());
                }
            }
            Set<UUID> missing = released.stream().map(WitnessRepository.Waiting::leaseId).collect(Collectors.toSet());
            missing.removeAll(terms.keySet());
            terms.putAll(leases.find(c, missing)); // they waited, so their leases are known: no lock needed
        }
        Map<UUID, RatedReceipt> candidates = new LinkedHashMap<>();
        Map<UUID, IncomingReceipt> sources = new HashMap<>();
        List<IncomingReceipt> copies = new ArrayList<>();
        List<IncomingReceipt> providerCopies = new ArrayList<>();
        for (IncomingReceipt in : signed) {
            UsageReceipt receipt = in.receipt();
            Optional<LeaseTerms> lease = Optional.ofNullable(terms.get(receipt.leaseId()));
            Optional<Rejection> leaseProblem = check.lease(receipt, lease);
            if (leaseProblem.isPresent()) {
                refused.add(entry(leaseProblem.get(), in));
            } else if (!witnessedItself(in)) {
                // a provider's copy: rated once a gateway's witness covers it (below: known, waits, or already rated)
                providerCopies.add(in);
            } else {
                candidate(in, hashes.get(in), lease.get(), candidates, sources, copies);
            }
        }
        // providers' copies whose witness came earlier (in a witness batch of a previous transaction, or this one)
        List<IncomingReceipt> unwitnessed = new ArrayList<>();
        if (!providerCopies.isEmpty()) {
            Set<String> unknown = new java.util.HashSet<>();
            providerCopies.forEach(in -> unknown.add(hashes.get(in)));
            unknown.removeAll(witnessedNow.keySet());
            Map<String, Witness> earlier = witnesses.witnessed(c, unknown);
            for (IncomingReceipt in : providerCopies) {
                String hash = hashes.get(in);
                Witness witness = witnessedNow.containsKey(hash) ? witnessedNow.get(hash) : earlier.get(hash);
                if (witness == null) {
                    unwitnessed.add(in);
                } else {
                    IncomingReceipt witnessed = in.witnessedBy(witness);
                    hashes.put(witnessed, hash);
                    candidate(witnessed, hash, terms.get(in.receipt().leaseId()), candidates, sources, copies);
                }
            }
        }
        // the witnesses this transaction did not use wait for their providers' copies in `witnessed`; a used one is
        // kept with its receipt (gateway_address, gateway_batch), so the common case writes one row per receipt
        Map<String, Witness> unused = new HashMap<>(witnessedNow);
        released.forEach(w -> unused.remove(w.hash()));
        providerCopies.forEach(in -> unused.remove(hashes.get(in)));
        witnesses.recordWitnessed(c, unused);
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
                if (same && receipt.gatewaySignature() == null) {
                    // a provider's copy witnessed in a batch, of a receipt already rated: nothing to do
                    continue;
                }
                if (same && was.unwitnessed()) {
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
                                receipt.provider().value(), in.source(), in.payload(), in.providerBatch()));
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
        return new RatingOutcome(rated, refused.stream().map(Entry::rejection).toList(),
                waiting.stream().map(WitnessRepository.Waiting::invocationId).toList());
    }

    /** Whether the receipt carries a gateway's witness itself (its counter-signature) or came with a known one. */
    private static boolean witnessedItself(IncomingReceipt in) {
        return in.receipt().gatewaySignature() != null || in.witness() != null;
    }

    /** Makes {@code in} the receipt rated under its invocation id, or a copy when another one is already. */
    private static void candidate(IncomingReceipt in, String hash, LeaseTerms lease, Map<UUID, RatedReceipt> candidates,
            Map<UUID, IncomingReceipt> sources, List<IncomingReceipt> copies) {
        UsageReceipt receipt = in.receipt();
        if (candidates.containsKey(receipt.invocationId())) {
            copies.add(in);
        } else {
            candidates.put(receipt.invocationId(), new RatedReceipt(receipt, hash, lease.charge(receipt), in.providerBatch(),
                    in.witness()));
            sources.put(receipt.invocationId(), in);
        }
    }

    private static Entry entry(Rejection rejection, IncomingReceipt in) {
        UsageReceipt r = in.receipt();
        return new Entry(rejection, in.source(), r.leaseId(), r.provider().value(), in.payload(), in.providerBatch());
    }
}
