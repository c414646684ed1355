package cloud.agora.governance.domain;

import cloud.agora.governance.config.GovernanceConfig;
import cloud.agora.governance.persistence.GovernanceStore;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.writer.SingleWriter;
import cloud.agora.support.writer.WriterTransactions;
import cloud.agora.protocol.eip712.TypedData;
import cloud.agora.protocol.eip712.Vote;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidAddressException;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.governance.VoteBallot;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Takes EIP-712 signed votes. The voter is the address the signature recovers in the proposal's domain ("Agora
 * Governance", "1", chain id, token); its weight is its voting power at the snapshot block, so tokens received
 * after the snapshot weigh nothing. Votes are taken while snapshot &lt; head block ≤ end. One vote per voter: a
 * vote with a greater nonce inside the window replaces the counted one (the stored signature is always the counted
 * one); a vote whose nonce is not greater is refused ({@link StaleVoteException}), so an older signed vote re-posted
 * after a newer one never takes its place.
 */
@ApplicationScoped
public class VoteCaster {

    private final Clock clock;

    private final Transactions tx;
    private final WriterTransactions writes;
    private final SingleWriter writer;
    private final GovernanceStore store;
    private final GovernanceChain chain;
    private final long lateQuorumExtension;
    private final Map<Long, BigInteger> supplyAtSnapshot = new ConcurrentHashMap<>();

    public VoteCaster(Transactions tx, WriterTransactions writes, SingleWriter writer, GovernanceStore store, GovernanceChain chain, GovernanceConfig config, Clock clock) {
        this.clock = clock;
        this.tx = tx;
        this.writes = writes;
        this.writer = writer;
        this.store = store;
        this.chain = chain;
        this.lateQuorumExtension = config.lateQuorumExtension();
    }

    /** The outcome of a vote: what was stored, and whether it replaced an earlier vote of the same voter. */
    public record Outcome(CastVote vote, boolean replaced, long endBlock) {
    }

    /** Checks and counts {@code ballot} for proposal {@code id}; nothing is stored when it is refused. */
    public Outcome cast(long id, VoteBallot ballot) {
        writer.requireWriter(); // a standby records nothing: 503 not-the-writer
        if (ballot == null || ballot.support() == null || ballot.signature() == null || ballot.nonce() == null) {
            throw new InvalidVoteException("support (0 against, 1 for, 2 abstain), nonce and signature are required");
        }
        if (ballot.nonce().signum() < 0 || ballot.nonce().bitLength() > 256) {
            throw new InvalidVoteException("nonce: a uint256 (0 to 2^256 - 1), got " + ballot.nonce(), Map.of("proposalId", id));
        }
        VoteSupport support;
        try {
            support = VoteSupport.ofCode(ballot.support());
        } catch (IllegalArgumentException e) {
            throw new InvalidVoteException(e.getMessage());
        }
        String reason = ballot.reason() == null ? "" : ballot.reason();
        Proposal proposal = tx.read(c -> store.proposal(c, id, false)).orElseThrow(() -> ProposalMaker.notFound(id));
        long head = chain.headBlock();
        if (!proposal.votingOpenAt(head)) {
            throw closed(proposal, head);
        }
        Vote vote = new Vote(BigInteger.valueOf(id), support, reason, ballot.nonce());
        Address voter;
        try {
            voter = TypedData.recoverSigner(chain.voteDomain(), vote, ballot.signature());
        } catch (InvalidSignatureException e) {
            throw new InvalidVoteException("signature: " + e.getMessage(), Map.of("proposalId", id));
        }
        if (ballot.voter() != null) {
            Address claimed;
            try {
                claimed = Address.parse(ballot.voter());
            } catch (InvalidAddressException e) {
                throw new InvalidVoteException("voter: " + e.getMessage(), Map.of("proposalId", id));
            }
            if (!claimed.equals(voter)) {
                throw new InvalidVoteException("the signature recovers " + voter.checksummed() + ", not " + claimed.checksummed()
                        + ": it was made over another domain (name, version, chain id, token) or another proposal id, support"
                        + ", reason or nonce", Map.of("proposalId", id, "voter", claimed.checksummed(), "recovered", voter.checksummed()));
            }
        }
        BigInteger weight = chain.pastVotes(voter, proposal.snapshotBlock());
        if (weight.signum() == 0) {
            throw new NoVotingPowerException(voter.checksummed() + " had no votes at snapshot block " + proposal.snapshotBlock()
                    + " (a signature over another domain, chain or message recovers an unrelated address)",
                    Map.of("proposalId", id, "voter", voter.checksummed(), "snapshotBlock", proposal.snapshotBlock()));
        }
        // only a vote in the last blocks can trigger the late-quorum extension: elsewhere skip the quorum sums
        BigInteger quorum = lateQuorumExtension > 0 && proposal.endBlock() - head < lateQuorumExtension
                ? Tally.quorumOf(supplyAtSnapshot.computeIfAbsent(id, k -> chain.pastTotalSupply(proposal.snapshotBlock())),
                        proposal.quorumBps())
                : null;
        CastVote cast = new CastVote(id, voter.checksummed(), support, reason, ballot.nonce(), ballot.signature(), weight,
                clock.instant());
        return writes.inTransaction(c -> {
            Proposal locked = store.proposal(c, id, true).orElseThrow();
            if (locked.recorded() != null) {
                throw closed(locked, head);
            }
            // under the proposal's row lock: two votes of one voter are compared one after the other
            CastVote counted = store.vote(c, id, cast.voter()).orElse(null);
            if (counted != null && counted.nonce() != null && cast.nonce().compareTo(counted.nonce()) <= 0) {
                throw new StaleVoteException("the counted vote of " + cast.voter() + " on proposal " + id + " has nonce "
                        + counted.nonce() + "; a vote replaces it only with a greater nonce, this one has " + cast.nonce(),
                        Map.of("proposalId", id, "voter", cast.voter(), "countedNonce", counted.nonce().toString(),
                                "nonce", cast.nonce().toString()));
            }
            long end = locked.endBlock();
            boolean before = quorum != null && store.tally(c, id).reaches(quorum);
            boolean replaced = store.upsertVote(c, cast);
            if (quorum != null && !before && store.tally(c, id).reaches(quorum) && end - head < lateQuorumExtension) {
                end = head + lateQuorumExtension;
                store.extendEnd(c, id, end);
            }
            return new Outcome(cast, replaced, end);
        });
    }

    /** The counted votes of proposal {@code id}, with their signatures. */
    public List<CastVote> votes(long id) {
        return tx.read(c -> {
            store.proposal(c, id, false).orElseThrow(() -> ProposalMaker.notFound(id));
            return store.votes(c, id);
        });
    }

    private static VotingClosedException closed(Proposal proposal, long head) {
        String when = head <= proposal.snapshotBlock()
                ? "opens after snapshot block " + proposal.snapshotBlock()
                : "ended at block " + proposal.endBlock();
        return new VotingClosedException("voting on proposal " + proposal.id() + " " + when + "; the head block is " + head,
                Map.of("proposalId", proposal.id(), "snapshotBlock", proposal.snapshotBlock(), "endBlock", proposal.endBlock(),
                        "headBlock", head));
    }
}
