package cloud.agora.governance.domain;

import cloud.agora.governance.persistence.GovernanceStore;
import cloud.agora.governance.persistence.Transactions;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.TypedData;
import cloud.agora.protocol.eip712.Vote;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Tallies a proposal once its end block has passed: quorum (for + abstain ≥ quorum-bps of the total supply at the
 * snapshot, rounded up) and majority (for &gt; against). A passed proposal becomes SUCCEEDED, a failed one
 * DEFEATED; the tally is written once (a second call finds it recorded and does nothing).
 */
@ApplicationScoped
public class VoteTallier {

    private final Transactions tx;
    private final GovernanceStore store;
    private final GovernanceChain chain;

    public VoteTallier(Transactions tx, GovernanceStore store, GovernanceChain chain) {
        this.tx = tx;
        this.store = store;
        this.chain = chain;
    }

    /** Tallies proposal {@code id} if it ended before {@code headBlock} and is not tallied yet; returns its state. */
    public ProposalState settle(long id, long headBlock) {
        Proposal proposal = tx.read(c -> store.proposal(c, id, false)).orElseThrow(() -> ProposalMaker.notFound(id));
        if (proposal.recorded() != null || headBlock <= proposal.endBlock()) {
            return proposal.stateAt(headBlock);
        }
        BigInteger quorum = Tally.quorumOf(chain.pastTotalSupply(proposal.snapshotBlock()), proposal.quorumBps());
        Instant now = Instant.now(Clock.systemUTC());
        return tx.inTransaction(c -> {
            Proposal locked = store.proposal(c, id, true).orElseThrow();
            if (locked.recorded() != null || headBlock <= locked.endBlock()) {
                return locked.stateAt(headBlock);
            }
            Tally tally = store.tally(c, id);
            ProposalState state = tally.reaches(quorum) && tally.majorityFor() ? ProposalState.SUCCEEDED : ProposalState.DEFEATED;
            store.recordTally(c, id, state, tally, quorum, null, now);
            return state;
        });
    }

    /** A recount from scratch, for anyone who wants to check the tally. */
    public record Recount(Tally tally, BigInteger quorum, List<String> discrepancies) {
    }

    /**
     * Recounts proposal {@code id} from its stored signed votes and the chain alone: every signature is verified
     * again in the token's domain and every weight read again at the snapshot. A vote whose signature or weight
     * does not check out is listed in {@code discrepancies} and not counted.
     */
    public Recount recount(long id) {
        Proposal proposal = tx.read(c -> store.proposal(c, id, false)).orElseThrow(() -> ProposalMaker.notFound(id));
        if (chain.headBlock() <= proposal.snapshotBlock()) {
            return new Recount(Tally.EMPTY, null, List.of());
        }
        List<CastVote> votes = tx.read(c -> store.votes(c, id));
        Eip712Domain domain = chain.voteDomain();
        BigInteger[] sums = {BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO};
        long voters = 0;
        List<String> discrepancies = new java.util.ArrayList<>();
        for (CastVote v : votes) {
            Vote signed = new Vote(BigInteger.valueOf(id), v.support(), v.reason());
            Address signer;
            try {
                signer = TypedData.recoverSigner(domain, signed, v.signature());
            } catch (InvalidSignatureException e) {
                discrepancies.add(v.voter() + ": " + e.getMessage());
                continue;
            }
            if (!signer.equals(Address.parse(v.voter()))) {
                discrepancies.add(v.voter() + ": the signature recovers " + signer.checksummed());
                continue;
            }
            BigInteger weight = chain.pastVotes(signer, proposal.snapshotBlock());
            if (!weight.equals(v.weight())) {
                discrepancies.add(v.voter() + ": weight " + weight + " at the snapshot, stored " + v.weight());
            }
            sums[v.support().code()] = sums[v.support().code()].add(weight);
            voters++;
        }
        Tally tally = new Tally(sums[1], sums[0], sums[2], voters);
        BigInteger quorum = Tally.quorumOf(chain.pastTotalSupply(proposal.snapshotBlock()), proposal.quorumBps());
        return new Recount(tally, quorum, discrepancies);
    }

    static Map<String, Object> ids(long id) {
        return Map.of("proposalId", id);
    }
}
