package cloud.agora.governance.api;

import cloud.agora.governance.domain.BelowProposalThresholdException;
import cloud.agora.governance.domain.CastVote;
import cloud.agora.governance.domain.ChainUnavailableException;
import cloud.agora.governance.domain.GovernanceChain;
import cloud.agora.governance.domain.InvalidProposalException;
import cloud.agora.governance.domain.InvalidVoteException;
import cloud.agora.governance.domain.NoVotingPowerException;
import cloud.agora.governance.domain.Proposal;
import cloud.agora.governance.domain.ProposalChange;
import cloud.agora.governance.domain.ProposalDraft;
import cloud.agora.governance.domain.ProposalMaker;
import cloud.agora.governance.domain.ProposalNotFoundException;
import cloud.agora.governance.domain.StaleVoteException;
import cloud.agora.governance.domain.ProposalState;
import cloud.agora.governance.domain.Tally;
import cloud.agora.protocol.governance.VoteBallot;
import cloud.agora.governance.domain.VoteCaster;
import cloud.agora.governance.domain.VoteTallier;
import cloud.agora.governance.domain.VotingClosedException;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import cloud.agora.support.writer.NotTheWriterException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;

/**
 * Proposals and their votes. Proposing needs a sign-in (the proposer is the caller); voting needs none: the EIP-712
 * signature is the vote's authentication. Reading is public.
 */
@Path("/api/v1/proposals")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ProposalResource {

    /** The EIP-712 domain a vote on this proposal is signed in. */
    public record DomainView(String name, String version, long chainId, String verifyingContract) {
    }

    /** Weights as decimal strings (18-decimal token units: too large for a JSON number in most clients). */
    public record TallyView(String forVotes, String againstVotes, String abstainVotes, long voters) {
        static TallyView of(Tally t) {
            return t == null ? null : new TallyView(t.forVotes().toString(), t.againstVotes().toString(),
                    t.abstainVotes().toString(), t.voters());
        }
    }

    /**
     * A proposal with its state at the current head block.
     *
     * @param timelockOperation the id of its on-chain operation in the timelock (look it up there: {@code getTimestamp},
     *                          {@code CallScheduled}, {@code Cancelled}), once scheduled
     * @param scheduleTxHash    the transaction that scheduled it
     * @param cancelledAt       when governance saw the operation cancelled (state {@code cancelled})
     * @param tally             the votes counted when voting ended (null before)
     * @param runningTally      while voting is open ({@code active}): the votes cast so far, each at its weight at the
     *                          snapshot block (a voter's later vote replaces the earlier one); null otherwise
     */
    public record ProposalView(long id, String state, String proposer, String title, String description, long createdBlock,
            long snapshotBlock, long endBlock, long headBlock, int quorumBps, String quorum, TallyView tally, Instant createdAt,
            Instant eta, Instant executedAt, List<ProposalChange> changes, String timelockOperation, String scheduleTxHash,
            Instant cancelledAt, DomainView voteDomain, TallyView runningTally) {
    }

    /** A counted vote with its signature (re-verifiable against {@code voteDomain}); the nonce as a decimal string. */
    public record VoteView(String voter, int support, String reason, String nonce, String signature, String weight,
            Instant castAt) {
        static VoteView of(CastVote v) {
            return new VoteView(v.voter(), v.support().code(), v.reason(), v.nonce() == null ? null : v.nonce().toString(),
                    v.signature(), v.weight().toString(), v.castAt());
        }
    }

    /** The answer to a vote. */
    public record VoteReceipt(long proposalId, VoteView vote, boolean replacedEarlierVote, long endBlock) {
    }

    /** A recount from stored signatures and the chain. */
    public record RecountView(long proposalId, TallyView tally, String quorum, List<String> discrepancies) {
    }

    private final ProposalMaker maker;
    private final VoteCaster caster;
    private final VoteTallier tallier;
    private final GovernanceChain chain;
    private final Caller caller;

    public ProposalResource(ProposalMaker maker, VoteCaster caster, VoteTallier tallier, GovernanceChain chain, Caller caller) {
        this.maker = maker;
        this.caster = caster;
        this.tallier = tallier;
        this.chain = chain;
        this.caller = caller;
    }

    @POST
    @SignedIn
    @ProblemResponses({InvalidProposalException.class, BelowProposalThresholdException.class,
            ChainUnavailableException.class, NotTheWriterException.class})
    public Response propose(ProposalDraft draft) {
        Proposal proposal = maker.propose(caller.address(), draft);
        return Response.created(URI.create("/api/v1/proposals/" + proposal.id())).entity(view(proposal, chain.headBlock())).build();
    }

    @GET
    @ProblemResponses({ChainUnavailableException.class})
    public List<ProposalView> list(@QueryParam("limit") @DefaultValue("50") int limit) {
        long head = chain.headBlock();
        return maker.list(Math.max(1, Math.min(limit, 500))).stream().map(p -> view(p, head)).toList();
    }

    @GET
    @Path("/{id}")
    @ProblemResponses({ProposalNotFoundException.class, ChainUnavailableException.class, NotTheWriterException.class})
    public ProposalView get(@PathParam("id") long id) {
        long head = chain.headBlock();
        Proposal proposal = maker.get(id);
        if (proposal.recorded() == null && head > proposal.endBlock()) {
            // ended but not tallied by the decision loop yet: tally now (idempotent) rather than show "active"
            tallier.settle(id, head);
            proposal = maker.get(id);
        }
        return view(proposal, head);
    }

    @POST
    @Path("/{id}/votes")
    @ProblemResponses({InvalidVoteException.class, NoVotingPowerException.class, VotingClosedException.class,
            StaleVoteException.class, ProposalNotFoundException.class, ChainUnavailableException.class,
            NotTheWriterException.class})
    public VoteReceipt vote(@PathParam("id") long id, VoteBallot ballot) {
        VoteCaster.Outcome outcome = caster.cast(id, ballot);
        return new VoteReceipt(id, VoteView.of(outcome.vote()), outcome.replaced(), outcome.endBlock());
    }

    @GET
    @Path("/{id}/votes")
    @ProblemResponses({ProposalNotFoundException.class})
    public List<VoteView> votes(@PathParam("id") long id) {
        return caster.votes(id).stream().map(VoteView::of).toList();
    }

    @GET
    @Path("/{id}/recount")
    @ProblemResponses({ProposalNotFoundException.class, ChainUnavailableException.class})
    public RecountView recount(@PathParam("id") long id) {
        VoteTallier.Recount recount = tallier.recount(id);
        return new RecountView(id, TallyView.of(recount.tally()), recount.quorum() == null ? null : recount.quorum().toString(),
                recount.discrepancies());
    }

    private ProposalView view(Proposal p, long head) {
        Eip712Domain d = chain.voteDomain();
        ProposalState state = p.stateAt(head);
        return new ProposalView(p.id(), state.name().toLowerCase(), p.proposer(), p.title(), p.description(),
                p.createdBlock(), p.snapshotBlock(), p.endBlock(), head, p.quorumBps(),
                p.quorum() == null ? null : p.quorum().toString(), TallyView.of(p.tally()), p.createdAt(), p.eta(), p.executedAt(),
                p.changes(), p.timelockOperation(), p.scheduleTxHash(), p.cancelledAt(),
                new DomainView(d.name(), d.version(), d.chainId(), d.verifyingContract().checksummed()),
                state == ProposalState.ACTIVE ? TallyView.of(tallier.running(p.id())) : null);
    }
}
