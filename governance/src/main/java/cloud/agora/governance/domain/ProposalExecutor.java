package cloud.agora.governance.domain;

import cloud.agora.governance.config.GovernanceConfig;
import cloud.agora.governance.persistence.GovernanceStore;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.writer.SingleWriter;
import cloud.agora.support.writer.WriterTransactions;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.outbox.Outbox;
import cloud.agora.support.outbox.OutboxRelay;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.nio.charset.StandardCharsets;
import org.jboss.logging.Logger;

/**
 * Queues succeeded proposals for the timelock and executes them when it has passed.
 *
 * <p>Every passed proposal is one operation of the on-chain timelock, the escrow's executor — its on-chain changes
 * (the escrow's fee and withdrawal delay, the timelock's own delay) as calls, its service parameters as calls that
 * change nothing but commit the operation to them ({@link OnChainChanges}): queueing schedules it (delay: {@code governance.timelock},
 * not below the configured floor nor the timelock's own delay), and the proposal is executed when the chain says
 * the operation is ready — never earlier, whatever this service's clock says. Before sending anything the operation's
 * state is read from the chain, so a crash between a transaction and its record never sends it twice: an operation
 * found scheduled is recorded, one found done is recorded as executed. An operation that disappears (a guardian
 * cancelled it during the delay: {@code Cancelled} is in the chain's logs) makes the proposal CANCELLED, and none of
 * its changes, service ones included, takes effect.
 *
 * <p>So a guardian can cancel any passed change during the delay, a service parameter as well as the fee.
 *
 * <p>Each change is then marked executed once, with the stored value and a {@code ParameterChanged} in the outbox
 * in one transaction; the proposal is EXECUTED when all are. Emits {@code ParameterChanged} on
 * {@code governance.decisions.v1} (key: parameter name) for every change, on chain or not, so that every service can
 * see the current values.
 */
@ApplicationScoped
public class ProposalExecutor {

    private final Clock clock;

    private static final Logger LOG = Logger.getLogger(ProposalExecutor.class);

    private final Transactions tx;
    private final WriterTransactions writes;
    private final SingleWriter writer;
    private final GovernanceStore store;
    private final GovernanceChain chain;
    private final Outbox outbox;
    private final OutboxRelay relay;
    private final GovernanceConfig config;

    public ProposalExecutor(Transactions tx, WriterTransactions writes, SingleWriter writer, GovernanceStore store, GovernanceChain chain, Outbox outbox, OutboxRelay relay,
            GovernanceConfig config, Clock clock) {
        this.clock = clock;
        this.tx = tx;
        this.writes = writes;
        this.writer = writer;
        this.store = store;
        this.chain = chain;
        this.outbox = outbox;
        this.relay = relay;
        this.config = config;
    }

    /**
     * Advances proposal {@code id}: queues it if it succeeded (scheduling its on-chain operation), executes it once its
     * timelock has passed, records a cancelled operation. Idempotent.
     */
    public ProposalState advance(long id) {
        writer.requireWriter(); // only the writer sends to the chain
        Instant now = clock.instant();
        Proposal proposal = tx.read(c -> store.proposal(c, id, false)).orElseThrow(() -> ProposalMaker.notFound(id));
        OnChainChanges operation = OnChainChanges.of(proposal);
        if (proposal.recorded() == ProposalState.SUCCEEDED) {
            return schedule(proposal, operation, now);
        }
        if (proposal.recorded() != ProposalState.QUEUED) {
            return proposal.recorded();
        }
        return advanceOnChain(proposal, operation, now);
    }

    /** The delay passed changes wait: {@code governance.timelock}, not below the configured floor. */
    Duration timelock(Map<String, GovernanceStore.StoredValue> values) {
        Duration governed = ParameterBook.duration(values, Parameters.TIMELOCK);
        return governed.compareTo(config.timelockFloor()) < 0 ? config.timelockFloor() : governed;
    }

    /** Schedules the proposal's operation unless the chain already has it (or saw it cancelled); records it QUEUED. */
    private ProposalState schedule(Proposal proposal, OnChainChanges changes, Instant now) {
        TimelockStatus status = chain.status(changes);
        String scheduleTx = null;
        if (status.state() == TimelockStatus.State.UNSET) {
            if (chain.wasCancelled(changes, proposal.endBlock())) {
                return cancelled(proposal, changes, now);
            }
            Duration delay = tx.read(c -> timelock(store.values(c)));
            scheduleTx = chain.schedule(changes, delay);
            status = chain.status(changes);
            LOG.infof("governance: proposal %d scheduled in the timelock (operation %s, ready at %s, tx %s)", proposal.id(),
                    chain.operationId(changes), status.readyAt(), scheduleTx);
        }
        String operation = chain.operationId(changes);
        Instant eta = status.readyAt() != null ? status.readyAt() : now;
        String hash = scheduleTx;
        writes.inTransaction(c -> {
            store.queueOnChain(c, proposal.id(), eta, operation, hash);
            return null;
        });
        return ProposalState.QUEUED;
    }

    /** A queued proposal with on-chain changes: what the chain says about its operation decides. */
    private ProposalState advanceOnChain(Proposal proposal, OnChainChanges changes, Instant now) {
        TimelockStatus status = chain.status(changes);
        return switch (status.state()) {
            // cancelled during the delay, or (queued by an earlier version, or a lost schedule) never scheduled
            case UNSET -> schedule(proposal, changes, now);
            // scheduled: recorded already, or (a crash after a re-schedule) recorded now
            case WAITING -> proposal.timelockOperation() == null ? schedule(proposal, changes, now) : ProposalState.QUEUED;
            case READY -> {
                if (now.isAfter(proposal.eta().plus(config.gracePeriod()))) {
                    // withdrawn on chain too, so that it can never be executed later
                    chain.cancel(changes);
                    finish(proposal.id(), ProposalState.EXPIRED);
                    yield ProposalState.EXPIRED;
                }
                String executeTx = chain.execute(changes);
                LOG.infof("governance: proposal %d executed through the timelock (tx %s)", proposal.id(), executeTx);
                yield executeChanges(proposal, executeTx);
            }
            // executed on chain before a crash: record it, send nothing
            case DONE -> executeChanges(proposal, null);
        };
    }

    private ProposalState cancelled(Proposal proposal, OnChainChanges changes, Instant now) {
        String operation = chain.operationId(changes);
        LOG.warnf("governance: proposal %d: its timelock operation %s was cancelled on chain; none of its changes takes effect",
                proposal.id(), operation);
        writes.inTransaction(c -> {
            store.cancel(c, proposal.id(), operation, now);
            return null;
        });
        return ProposalState.CANCELLED;
    }

    /** Records every change not yet marked (on-chain ones with {@code executeTx}, when known); the proposal is EXECUTED. */
    private ProposalState executeChanges(Proposal proposal, String executeTx) {
        for (int i = 0; i < proposal.changes().size(); i++) {
            ProposalChange change = proposal.changes().get(i);
            if (change.executedAt() == null) {
                boolean onChain = Parameters.named(change.parameter()).map(ParameterDefinition::onChain).orElse(false);
                apply(proposal.id(), i, change, onChain ? executeTx : null);
            }
        }
        finish(proposal.id(), ProposalState.EXECUTED);
        relay.nudge();
        return ProposalState.EXECUTED;
    }

    private void finish(long id, ProposalState state) {
        writes.inTransaction(c -> {
            store.finish(c, id, state, clock.instant());
            return null;
        });
    }

    /** One event id per (proposal, change): a replayed execution republishes the same id, which consumers drop. */
    static String eventId(long proposalId, int position) {
        return UUID.nameUUIDFromBytes(("governance:proposal:" + proposalId + ":change:" + position)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    private void apply(long id, int position, ProposalChange change, String txHash) {
        ParameterDefinition parameter = Parameters.named(change.parameter()).orElseThrow();
        writes.inTransaction(c -> {
            Proposal locked = store.proposal(c, id, true).orElseThrow();
            if (locked.changes().get(position).executedAt() != null) {
                return null;
            }
            Instant now = clock.instant();
            store.setValue(c, parameter.name(), change.value(), id, now);
            ParameterChanged changed = new ParameterChanged(parameter.name(), change.value(), parameter.unit(), id, now);
            outbox.append(c, Topics.GOVERNANCE_DECISIONS, new EventEnvelope<>(eventId(id, position), ParameterChanged.TYPE,
                    ParameterChanged.SOURCE, now, parameter.name(), changed));
            store.markChangeExecuted(c, id, position, txHash, now);
            return null;
        });
    }
}
