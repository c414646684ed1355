package cloud.agora.billing.api;

import cloud.agora.billing.domain.AccessDeniedException;
import cloud.agora.billing.domain.InvalidUsageBatchException;
import cloud.agora.billing.domain.RatingOutcome;
import cloud.agora.billing.domain.Rejection;
import cloud.agora.billing.domain.UsageIntake;
import cloud.agora.billing.domain.UsageReconciler;
import cloud.agora.protocol.usage.BatchAttestation;
import cloud.agora.protocol.usage.ReceiptTreeAnswer;
import cloud.agora.protocol.usage.ReceiptTreeQuery;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

/** Usage from remote agents: receipt batches and per-lease, per-day reconciliation (anti-entropy). */
@Path("/api/v1/usage")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@SignedIn
public class UsageResource {

    private final UsageIntake intake;
    private final UsageReconciler reconciler;
    private final Caller caller;

    public UsageResource(UsageIntake intake, UsageReconciler reconciler, Caller caller) {
        this.intake = intake;
        this.reconciler = reconciler;
        this.caller = caller;
    }

    /**
     * A batch of the caller's receipts: each signed by the caller, or all attested by one {@code attestation} of the
     * caller over their Merkle root (the JSON of protocol's {@code ReceiptBatch}).
     */
    public record Batch(List<UsageReceipt> receipts, BatchAttestation attestation) {
    }

    /**
     * What became of a batch: how many were rated now, each refused receipt with its reason, and the receipts that
     * wait for the gateway's witness (an agent's own copies: the gateway's counter-signed copy is what gets rated).
     */
    public record BatchResult(int rated, List<Rejection> quarantined, List<UUID> awaitingWitness) {
    }

    @POST
    @Path("/batches")
    @ProblemResponses({InvalidUsageBatchException.class, AccessDeniedException.class})
    public BatchResult batch(Batch batch) {
        RatingOutcome outcome = intake.accept(caller.address(), batch == null ? null : batch.receipts(),
                batch == null ? null : batch.attestation());
        return new BatchResult(outcome.rated().size(), outcome.rejected(), outcome.awaitingWitness());
    }

    /** The agent's view of one lease and UTC day. */
    public record Reconciliation(UUID leaseId, LocalDate day, String merkleRoot, List<UUID> invocationIds) {
    }

    @POST
    @Path("/reconciliations")
    @ProblemResponses({InvalidUsageBatchException.class, AccessDeniedException.class})
    public UsageReconciler.Comparison reconcile(Reconciliation request) {
        return reconciler.compare(caller.address(), request == null ? null : request.leaseId(),
                request == null ? null : request.day(), request == null ? null : request.merkleRoot(),
                request == null || request.invocationIds() == null ? null : new HashSet<>(request.invocationIds()));
    }

    /**
     * Anti-entropy: the asked nodes of protocol's {@code ReceiptPrefixTree} over the receipts billing holds of the
     * caller's lease and UTC day (rated, waiting for their witness, or quarantined after the caller's attestation was
     * checked), so that the agent finds and re-sends exactly the receipts billing lacks.
     */
    @POST
    @Path("/tree-nodes")
    @ProblemResponses({InvalidUsageBatchException.class, AccessDeniedException.class})
    public ReceiptTreeAnswer treeNodes(ReceiptTreeQuery query) {
        return reconciler.nodes(caller.address(), query);
    }
}
