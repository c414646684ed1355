package cloud.agora.billing.domain;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.billing.persistence.DisputeRepository;
import cloud.agora.billing.persistence.LeaseRepository;
import cloud.agora.billing.persistence.ReceiptRepository;
import cloud.agora.billing.persistence.ReceiptRepository.StoredReceipt;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.dispute.CallWitness;
import cloud.agora.protocol.dispute.DisputeCredit;
import cloud.agora.protocol.dispute.DisputeDecided;
import cloud.agora.protocol.dispute.DisputeRequest;
import cloud.agora.protocol.dispute.DisputeRules;
import cloud.agora.protocol.dispute.DisputeState;
import cloud.agora.protocol.dispute.DisputeView;
import cloud.agora.protocol.dispute.ProviderAnswer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.money.Wei;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.outbox.Outbox;
import cloud.agora.support.outbox.OutboxRelay;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.web3j.utils.Numeric;

/**
 * Disputes over charges. A developer disputes the charge of one of their rated receipts within the governed dispute
 * window, with the gateway's {@link CallWitness} of how the call ended; the witness must be signed by a trusted
 * gateway key ({@code agora.billing.gateways}) and name exactly the charged receipt. The provider may answer until the
 * answer window ends (conceding decides at once; contesting records its statement and evidence and decides at once);
 * unanswered disputes are decided when the window ends. {@link DisputeRules} decides from the signed facts; an upheld
 * dispute credits its charge to the pair (the next vouchers deduct it) and every decision is published as
 * {@link DisputeDecided} on {@value Topics#BILLING_DISPUTES} for the provider's reputation.
 */
@ApplicationScoped
public class DisputeDesk {

    private static final Logger LOG = Logger.getLogger(DisputeDesk.class);
    /** Disputes decided per transaction by the timed decision. */
    static final int DECIDE_BATCH = 100;

    private final Transactions transactions;
    private final DisputeRepository disputes;
    private final ReceiptRepository receipts;
    private final LeaseRepository leases;
    private final BillingRules rules;
    private final BillingConfig config;
    private final Outbox outbox;
    private final OutboxRelay relay;
    private final Clock clock;
    private final Set<Address> gateways;
    private final SignerKeys keys = new SignerKeys();

    public DisputeDesk(Transactions transactions, DisputeRepository disputes, ReceiptRepository receipts,
            LeaseRepository leases, BillingRules rules, BillingConfig config, Outbox outbox, OutboxRelay relay, Clock clock) {
        this.transactions = transactions;
        this.disputes = disputes;
        this.receipts = receipts;
        this.leases = leases;
        this.rules = rules;
        this.config = config;
        this.outbox = outbox;
        this.relay = relay;
        this.clock = clock;
        this.gateways = UsageRater.trustedGateways(config);
    }

    /** Opens {@code caller}'s dispute of a charge; the problems say why not (and nothing changes). */
    public DisputeView open(Address caller, DisputeRequest request) {
        UUID invocationId = request.invocationId();
        CallWitness witness = request.witness();
        Instant now = clock.instant();
        return transactions.inTransaction(c -> {
            StoredReceipt stored = receipts.find(c, invocationId)
                    .filter(r -> r.receipt().consumer().equals(caller))
                    .orElseThrow(() -> new ReceiptNotFoundException(invocationId));
            java.time.Duration window = rules.disputeWindow();
            if (stored.receipt().endedAt().plus(window).isBefore(now)) {
                throw DisputeProblem.windowClosed(invocationId, "the call ended at " + stored.receipt().endedAt()
                        + "; charges may be disputed for " + window + " after their call ended");
            }
            evidenceProblem(stored, witness).ifPresent(detail -> {
                throw DisputeProblem.invalidEvidence(invocationId, detail);
            });
            disputes.findByInvocation(c, invocationId).ifPresent(d -> {
                throw DisputeProblem.exists(invocationId, d.id());
            });
            LeaseTerms lease = leases.find(c, List.of(stored.receipt().leaseId())).get(stored.receipt().leaseId());
            UsageReceiptFacts facts = UsageReceiptFacts.of(stored);
            DisputeView.Evidence evidence = new DisputeView.Evidence(witness, stored.hash(), facts.wallMillis(),
                    facts.peakMemoryBytes(), facts.grantHash(), facts.timeoutMillis(),
                    lease == null || lease.memoryMiB() == null ? 0 : lease.memoryMiB());
            DisputeView opened = new DisputeView(UUID.randomUUID(), invocationId, caller, stored.receipt().provider(),
                    stored.receipt().leaseId(), new Wei(stored.charge()), DisputeState.OPEN, now,
                    now.plus(config.disputes().answerWindow()), evidence, null, null, null, null, null);
            if (!disputes.open(c, opened)) {
                // a concurrent dispute of the same charge won
                throw DisputeProblem.exists(invocationId, disputes.findByInvocation(c, invocationId).orElseThrow().id());
            }
            LOG.infof("disputes: %s disputes the charge of %s (%s wei, provider %s, witnessed %s): %s", caller,
                    invocationId, stored.charge(), opened.provider(), witness.outcome(), opened.id());
            return opened;
        });
    }

    /** The provider's answer to an open dispute; decides it at once. */
    public DisputeView answer(Address caller, UUID id, ProviderAnswer answer) {
        if (answer.statement().length() > ProviderAnswer.MAX_STATEMENT || answer.evidence().size() > ProviderAnswer.MAX_EVIDENCE
                || answer.evidence().stream().anyMatch(e -> e == null || e.length() > 512)) {
            throw DisputeProblem.invalidAnswer(id, "a statement has at most " + ProviderAnswer.MAX_STATEMENT
                    + " characters and evidence at most " + ProviderAnswer.MAX_EVIDENCE + " references of 512 characters");
        }
        Instant now = clock.instant();
        DisputeView decided = transactions.inTransaction(c -> {
            DisputeView d = disputes.lock(c, id).filter(v -> v.provider().equals(caller))
                    .orElseThrow(() -> DisputeProblem.notFound(id));
            if (d.state() != DisputeState.OPEN) {
                throw DisputeProblem.closed(id, "the dispute was decided " + d.state() + " at " + d.decidedAt());
            }
            if (!now.isBefore(d.answerBy())) {
                throw DisputeProblem.closed(id, "the answer window ended at " + d.answerBy());
            }
            disputes.answer(c, id, answer);
            return decide(c, disputes.lock(c, id).orElseThrow(), now);
        });
        relay.nudge();
        return decided;
    }

    /** The dispute, for its developer or its provider. */
    public DisputeView find(Address caller, UUID id) {
        return transactions.read(c -> disputes.find(c, id))
                .filter(d -> d.consumer().equals(caller) || d.provider().equals(caller))
                .orElseThrow(() -> DisputeProblem.notFound(id));
    }

    /** The caller's disputes, newest first: those it opened, or with {@code asProvider} those it faces. */
    public List<DisputeView> of(Address caller, boolean asProvider, int limit) {
        return transactions.read(c -> disputes.of(c, caller, asProvider, limit));
    }

    @Scheduled(every = "${agora.billing.disputes.interval:5s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            decideDue();
        } catch (RuntimeException e) {
            LOG.warnf("disputes: will retry: %s", e.getMessage());
        }
    }

    /** Decides every open dispute whose answer window ended; returns how many. */
    public int decideDue() {
        int decided = 0;
        while (true) {
            Instant now = clock.instant();
            int n = transactions.inTransaction(c -> {
                int count = 0;
                for (UUID id : disputes.due(c, now, DECIDE_BATCH)) {
                    DisputeView d = disputes.lock(c, id).orElseThrow();
                    if (d.state() == DisputeState.OPEN) {
                        decide(c, d, now);
                        count++;
                    }
                }
                return count;
            });
            decided += n;
            if (n > 0) {
                relay.nudge();
            }
            if (n < DECIDE_BATCH) {
                return decided;
            }
        }
    }

    private DisputeView decide(Connection c, DisputeView d, Instant now) throws SQLException {
        DisputeView.Evidence e = d.evidence();
        boolean conceded = d.answer() != null && d.answer().concede();
        DisputeRules.Verdict verdict = DisputeRules.decide(new DisputeRules.Facts(e.witness().outcome(),
                e.witness().exitCode(), e.wallMillis(), e.peakMemoryBytes(), e.timeoutMillis(), e.leaseMemoryMiB(), conceded));
        byte[] leaf = verdict.state() == DisputeState.UPHELD
                ? DisputeCredit.leaf(d.id(), d.invocationId(), d.charge().value()) : null;
        disputes.decide(c, d, verdict, now, leaf);
        outbox.append(c, Topics.BILLING_DISPUTES, EventEnvelope.of(DisputeDecided.TYPE, BillingEvents.SOURCE, now,
                d.provider().checksummed(), new DisputeDecided(d.id(), d.invocationId(), d.consumer(), d.provider(),
                        d.leaseId(), d.charge(), verdict.state(), verdict.rule(), now)));
        LOG.infof("disputes: %s %s by %s (%s): %s", d.id(), verdict.state(), verdict.rule(), verdict.reason(),
                verdict.state() == DisputeState.UPHELD ? d.charge() + " wei credited to " + d.consumer() : "the charge stands");
        return disputes.find(c, d.id()).orElseThrow();
    }

    /** Why {@code witness} is not the gateway's witness of the charged call, if it is not. */
    private java.util.Optional<String> evidenceProblem(StoredReceipt stored, CallWitness witness) {
        if (witness == null) {
            return java.util.Optional.of("a dispute needs the gateway's witness of the call"
                    + " (GET /api/v1/invocations/{id}/witness at the functions gateway)");
        }
        if (!gateways.contains(witness.gateway())) {
            return java.util.Optional.of("the witness is signed by " + witness.gateway() + ", not a trusted gateway key");
        }
        if (!witness.signatureValid(keys)) {
            return java.util.Optional.of("the witness's signature is not " + witness.gateway() + "'s");
        }
        if (!witness.invocationId().equals(stored.receipt().invocationId())
                || !witness.leaseId().equals(stored.receipt().leaseId())
                || !witness.provider().equals(stored.receipt().provider())
                || !witness.consumer().equals(stored.receipt().consumer())) {
            return java.util.Optional.of("the witness is of another call (invocation, lease, provider or developer differ)");
        }
        if (!Numeric.cleanHexPrefix(witness.receiptHash()).equalsIgnoreCase(Numeric.cleanHexPrefix(stored.hash()))) {
            return java.util.Optional.of("the witness names receipt " + witness.receiptHash() + ", the charged receipt is "
                    + stored.hash());
        }
        return java.util.Optional.empty();
    }

    /** The charged receipt's figures a decision reads. */
    private record UsageReceiptFacts(long wallMillis, long peakMemoryBytes, String grantHash, long timeoutMillis) {

        static UsageReceiptFacts of(StoredReceipt stored) {
            var r = stored.receipt();
            return new UsageReceiptFacts(r.wallMillis(), r.peakMemoryBytes(),
                    r.grant() == null ? null : r.grant().hashHex(), r.grant() == null ? 0 : r.grant().timeoutMillis());
        }
    }
}
