package cloud.agora.governance.domain;

import cloud.agora.governance.config.GovernanceConfig;
import cloud.agora.governance.persistence.GovernanceStore;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.outbox.Outbox;
import cloud.agora.support.outbox.OutboxRelay;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.nio.charset.StandardCharsets;

/**
 * Queues succeeded proposals for the timelock and executes them when it has passed. On-chain changes are sent from
 * the executor key only when the chain does not already hold the value (so a crash between the transaction and
 * its record does not send it twice); service changes update the stored value and append a
 * {@code ParameterChanged} to the outbox in one transaction. Each change is marked executed once; the proposal is
 * EXECUTED when all are. Emits {@code ParameterChanged} on {@code governance.decisions.v1} (key: parameter name)
 * for every change, on chain or not, so that every service can see the current values.
 */
@ApplicationScoped
public class ProposalExecutor {

    private final Transactions tx;
    private final GovernanceStore store;
    private final GovernanceChain chain;
    private final Outbox outbox;
    private final OutboxRelay relay;
    private final Duration gracePeriod;

    public ProposalExecutor(Transactions tx, GovernanceStore store, GovernanceChain chain, Outbox outbox, OutboxRelay relay,
            GovernanceConfig config) {
        this.tx = tx;
        this.store = store;
        this.chain = chain;
        this.outbox = outbox;
        this.relay = relay;
        this.gracePeriod = config.gracePeriod();
    }

    /** Advances proposal {@code id}: queues it if it succeeded, executes it if its eta has passed. Idempotent. */
    public ProposalState advance(long id) {
        Instant now = Instant.now(Clock.systemUTC());
        Proposal proposal = tx.read(c -> store.proposal(c, id, false)).orElseThrow(() -> ProposalMaker.notFound(id));
        if (proposal.recorded() == ProposalState.SUCCEEDED) {
            Duration timelock = tx.read(c -> ParameterBook.duration(store.values(c), Parameters.TIMELOCK));
            tx.inTransaction(c -> {
                store.queue(c, id, now.plus(timelock));
                return null;
            });
            return ProposalState.QUEUED;
        }
        if (proposal.recorded() != ProposalState.QUEUED || now.isBefore(proposal.eta())) {
            return proposal.recorded();
        }
        if (now.isAfter(proposal.eta().plus(gracePeriod))) {
            tx.inTransaction(c -> {
                store.finish(c, id, ProposalState.EXPIRED, now);
                return null;
            });
            return ProposalState.EXPIRED;
        }
        for (int i = 0; i < proposal.changes().size(); i++) {
            ProposalChange change = proposal.changes().get(i);
            if (change.executedAt() == null) {
                apply(id, i, change);
            }
        }
        tx.inTransaction(c -> {
            store.finish(c, id, ProposalState.EXECUTED, Instant.now(Clock.systemUTC()));
            return null;
        });
        relay.nudge();
        return ProposalState.EXECUTED;
    }

    /** One event id per (proposal, change): a replayed execution republishes the same id, which consumers drop. */
    static String eventId(long proposalId, int position) {
        return UUID.nameUUIDFromBytes(("governance:proposal:" + proposalId + ":change:" + position)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    private void apply(long id, int position, ProposalChange change) {
        ParameterDefinition parameter = Parameters.named(change.parameter()).orElseThrow();
        Optional<String> txHash = Optional.empty();
        if (Parameters.ESCROW_FEE.equals(parameter.name())) {
            txHash = chain.ensureFee(Integer.parseInt(change.value()));
        } else if (Parameters.ESCROW_WITHDRAWAL_DELAY.equals(parameter.name())) {
            txHash = chain.ensureWithdrawalDelay(Duration.parse(change.value()));
        }
        String hash = txHash.orElse(null);
        tx.inTransaction(c -> {
            Proposal locked = store.proposal(c, id, true).orElseThrow();
            if (locked.changes().get(position).executedAt() != null) {
                return null;
            }
            Instant now = Instant.now(Clock.systemUTC());
            store.setValue(c, parameter.name(), change.value(), id, now);
            ParameterChanged changed = new ParameterChanged(parameter.name(), change.value(), parameter.unit(), id, now);
            outbox.append(c, Topics.GOVERNANCE_DECISIONS, new EventEnvelope<>(eventId(id, position), ParameterChanged.TYPE,
                    ParameterChanged.SOURCE, now, parameter.name(), changed));
            store.markChangeExecuted(c, id, position, hash, now);
            return null;
        });
    }
}
