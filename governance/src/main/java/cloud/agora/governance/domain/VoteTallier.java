package cloud.agora.governance.domain;

import cloud.agora.governance.persistence.GovernanceStore;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.writer.WriterTransactions;
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
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Tallies a proposal once its end block has passed: quorum (for + abstain ≥ quorum-bps of the total supply at the
 * snapshot, rounded up) and majority (for &gt; against). A passed proposal becomes SUCCEEDED, a failed one
 * DEFEATED; the tally is written once (a second call finds it recorded and does nothing).
 */
@ApplicationScoped
public class VoteTallier {

    private final Clock clock;

    private static final int RECOUNT_THREADS = 8;

    private final Transactions tx;
    private final WriterTransactions writes;
    private final GovernanceStore store;
    private final GovernanceChain chain;

    public VoteTallier(Transactions tx, WriterTransactions writes, GovernanceStore store, GovernanceChain chain, Clock clock) {
        this.clock = clock;
        this.tx = tx;
        this.writes = writes;
        this.store = store;
        this.chain = chain;
    }

    /** The votes cast on proposal {@code id} so far, at their weights (what the tally will count if none changes). */
    public Tally running(long id) {
        return tx.read(c -> store.tally(c, id));
    }

    /** Tallies proposal {@code id} if it ended before {@code headBlock} and is not tallied yet; returns its state. */
    public ProposalState settle(long id, long headBlock) {
        Proposal proposal = tx.read(c -> store.proposal(c, id, false)).orElseThrow(() -> ProposalMaker.notFound(id));
        if (proposal.recorded() != null || headBlock <= proposal.endBlock()) {
            return proposal.stateAt(headBlock);
        }
        BigInteger quorum = Tally.quorumOf(chain.pastTotalSupply(proposal.snapshotBlock()), proposal.quorumBps());
        Instant now = clock.instant();
        return writes.inTransaction(c -> {
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
        // signature recovery is CPU work and each weight a round trip to the node: check the votes in parallel
        ExecutorService pool = Executors.newFixedThreadPool(RECOUNT_THREADS);
        List<Future<Checked>> checks = new ArrayList<>();
        try {
            for (CastVote v : votes) {
                checks.add(pool.submit(() -> check(domain, proposal, v)));
            }
            BigInteger[] sums = {BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO};
            long voters = 0;
            List<String> discrepancies = new ArrayList<>();
            for (Future<Checked> future : checks) {
                Checked checked = future.get();
                if (checked.discrepancy() != null) {
                    discrepancies.add(checked.discrepancy());
                }
                if (checked.weight() != null) {
                    sums[checked.vote().support().code()] = sums[checked.vote().support().code()].add(checked.weight());
                    voters++;
                }
            }
            Tally tally = new Tally(sums[1], sums[0], sums[2], voters);
            BigInteger quorum = Tally.quorumOf(chain.pastTotalSupply(proposal.snapshotBlock()), proposal.quorumBps());
            return new Recount(tally, quorum, discrepancies);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("recount interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private record Checked(CastVote vote, BigInteger weight, String discrepancy) {
    }

    /** One stored vote checked again: its weight if the signature holds (null otherwise), and what disagrees. */
    private Checked check(Eip712Domain domain, Proposal proposal, CastVote v) {
        if (v.nonce() == null) {
            return new Checked(v, null, v.voter() + ": stored before votes carried a nonce; its signature is over the"
                    + " earlier vote type, which this version does not verify");
        }
        Vote signed = new Vote(BigInteger.valueOf(proposal.id()), v.support(), v.reason(), v.nonce());
        Address signer;
        try {
            signer = TypedData.recoverSigner(domain, signed, v.signature());
        } catch (InvalidSignatureException e) {
            return new Checked(v, null, v.voter() + ": " + e.getMessage());
        }
        if (!signer.equals(Address.parse(v.voter()))) {
            return new Checked(v, null, v.voter() + ": the signature recovers " + signer.checksummed());
        }
        BigInteger weight = chain.pastVotes(signer, proposal.snapshotBlock());
        return new Checked(v, weight, weight.equals(v.weight()) ? null
                : v.voter() + ": weight " + weight + " at the snapshot, stored " + v.weight());
    }

}
