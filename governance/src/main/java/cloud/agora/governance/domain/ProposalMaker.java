package cloud.agora.governance.domain;

import cloud.agora.governance.config.GovernanceConfig;
import cloud.agora.governance.persistence.GovernanceStore;
import cloud.agora.governance.persistence.GovernanceStore.StoredValue;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.writer.SingleWriter;
import cloud.agora.support.writer.WriterTransactions;
import cloud.agora.protocol.eth.Address;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates proposals. The proposer needs at least {@code governance.proposal-threshold} voting power at the latest
 * block; every change must name a declared parameter and a value within its bounds. The snapshot block is the
 * head block + {@code governance.voting-delay}; voting ends {@code governance.voting-period} blocks later. The
 * quorum in force at creation is the proposal's quorum. {@code governance.timelock} cannot go below its floor: the
 * configured one ({@code agora.governance.timelock-floor}) or the on-chain timelock's, whichever is higher.
 */
@ApplicationScoped
public class ProposalMaker {

    private final Clock clock;

    /** At most this many changes per proposal. */
    public static final int MAX_CHANGES = 16;

    private final Transactions tx;
    private final WriterTransactions writes;
    private final SingleWriter writer;
    private final GovernanceStore store;
    private final GovernanceChain chain;
    private final GovernanceConfig config;

    public ProposalMaker(Transactions tx, WriterTransactions writes, SingleWriter writer, GovernanceStore store, GovernanceChain chain, GovernanceConfig config, Clock clock) {
        this.clock = clock;
        this.tx = tx;
        this.writes = writes;
        this.writer = writer;
        this.store = store;
        this.chain = chain;
        this.config = config;
    }

    /** Validates and stores {@code draft} by {@code proposer}; nothing is stored when it is refused. */
    public Proposal propose(Address proposer, ProposalDraft draft) {
        writer.requireWriter(); // a standby records nothing: 503 not-the-writer
        if (draft == null) {
            throw new InvalidProposalException("a proposal body is required");
        }
        String title = draft.title() == null ? "" : draft.title().strip();
        if (title.isEmpty() || title.length() > 200) {
            throw new InvalidProposalException("title: 1 to 200 characters");
        }
        String description = draft.description() == null ? "" : draft.description();
        if (description.length() > 20_000) {
            throw new InvalidProposalException("description: at most 20,000 characters");
        }
        List<ProposalChange> changes = changes(draft.changes());
        for (ProposalChange change : changes) {
            ParameterDefinition parameter = Parameters.named(change.parameter()).orElseThrow();
            if (parameter.onChain() && parameter.kind() == ParameterKind.DURATION && Duration.parse(change.value()).getNano() != 0) {
                throw new InvalidProposalException(parameter.name() + ": " + change.value()
                        + " is not whole seconds (the chain counts seconds)", Map.of("parameter", parameter.name()));
            }
            if (change.parameter().equals(Parameters.TIMELOCK)) {
                requireAboveFloor(Duration.parse(change.value()));
            }
        }

        Map<String, StoredValue> values = tx.read(c -> store.values(c));
        BigInteger threshold = ParameterBook.integer(values, Parameters.PROPOSAL_THRESHOLD);
        BigInteger power = chain.currentVotes(proposer);
        if (power.compareTo(threshold) < 0) {
            throw new BelowProposalThresholdException(proposer.checksummed() + " has " + power
                    + " votes at the latest block; proposing needs " + threshold,
                    Map.of("proposer", proposer.checksummed(), "votingPower", power.toString(), "threshold", threshold.toString()));
        }
        long head = chain.headBlock();
        long snapshot = head + ParameterBook.integer(values, Parameters.VOTING_DELAY).longValueExact();
        long end = snapshot + ParameterBook.integer(values, Parameters.VOTING_PERIOD).longValueExact();
        int quorumBps = ParameterBook.integer(values, Parameters.QUORUM).intValueExact();
        Instant now = clock.instant();
        return writes.inTransaction(c -> {
            long id = store.insertProposal(c, proposer.checksummed(), title, description, head, snapshot, end, quorumBps, now, changes);
            return store.proposal(c, id, false).orElseThrow();
        });
    }

    /** A vote cannot shorten the delay of passed changes below the configured floor, nor below the on-chain one. */
    private void requireAboveFloor(Duration timelock) {
        Duration configured = config.timelockFloor();
        Duration onChain = chain.timelockFloor();
        Duration floor = configured.compareTo(onChain) >= 0 ? configured : onChain;
        if (timelock.compareTo(floor) < 0) {
            throw new InvalidProposalException(Parameters.TIMELOCK + ": " + timelock + " is below the floor " + floor
                    + " (configured " + configured + ", on-chain timelock " + onChain + ")",
                    Map.of("parameter", Parameters.TIMELOCK, "floor", floor.toString()));
        }
    }

    private static List<ProposalChange> changes(List<ProposalDraft.Change> requested) {
        if (requested == null || requested.isEmpty()) {
            throw new InvalidProposalException("changes: at least one parameter change is required");
        }
        if (requested.size() > MAX_CHANGES) {
            throw new InvalidProposalException("changes: at most " + MAX_CHANGES + " per proposal");
        }
        Set<String> seen = new HashSet<>();
        List<ProposalChange> changes = new ArrayList<>();
        for (ProposalDraft.Change change : requested) {
            if (change == null) {
                throw new InvalidProposalException("changes: null entry");
            }
            ParameterDefinition parameter = Parameters.named(change.parameter()).orElseThrow(() -> new InvalidProposalException(
                    "no governed parameter is called \"" + change.parameter() + "\" (see GET /api/v1/parameters)",
                    Map.of("parameter", String.valueOf(change.parameter()))));
            if (!seen.add(parameter.name())) {
                throw new InvalidProposalException(parameter.name() + " is changed twice", Map.of("parameter", parameter.name()));
            }
            changes.add(new ProposalChange(parameter.name(), parameter.canonical(change.value()), null, null));
        }
        return changes;
    }

    /** The proposal {@code id}. */
    public Proposal get(long id) {
        return tx.read(c -> store.proposal(c, id, false)).orElseThrow(() -> notFound(id));
    }

    /** The newest proposals. */
    public List<Proposal> list(int limit) {
        return tx.read(c -> store.proposals(c, limit));
    }

    static ProposalNotFoundException notFound(long id) {
        return new ProposalNotFoundException("no proposal " + id, Map.of("proposalId", id));
    }
}
