package cloud.agora.billing.api;

import cloud.agora.billing.domain.ReceiptNotFoundException;
import cloud.agora.billing.domain.ReceiptNotVoucheredException;
import cloud.agora.billing.domain.ReceiptProver;
import cloud.agora.billing.domain.ReceiptProver.ReceiptProof;
import cloud.agora.billing.persistence.SettlementRepository.SettlementRef;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.usage.BatchInclusion;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;

/** A line of the bill with its proof, for the receipt's developer or provider. */
@Path("/api/v1/receipts")
@Produces(MediaType.APPLICATION_JSON)
@SignedIn
public class ReceiptResource {

    private final ReceiptProver prover;
    private final Caller caller;

    public ReceiptResource(ReceiptProver prover, Caller caller) {
        this.prover = prover;
        this.caller = caller;
    }

    /**
     * The proof: {@code ReceiptMerkleTree.verify(proof, voucher.receiptsRoot, receiptHash)} (or OpenZeppelin's
     * {@code MerkleProof.verify}) holds, and {@code voucher.receiptsRoot} is the root in the redeem event of
     * {@code settlement.transactionHash} once the voucher is redeemed. A receipt attested in batches instead of by
     * signatures of its own has {@code providerBatch} / {@code witnessBatch}: the signed batch root and the receipt's
     * path to it ({@code BatchInclusion.covers(receiptHash)}); otherwise they are absent.
     */
    public record Proof(UsageReceipt receipt, String receiptHash, Wei charge, VoucherView voucher, List<String> proof,
            SettlementRef settlement, BatchInclusion providerBatch, BatchInclusion witnessBatch) {
    }

    @GET
    @Path("/{invocationId}/proof")
    @ProblemResponses({ReceiptNotFoundException.class, ReceiptNotVoucheredException.class})
    public Proof proof(@PathParam("invocationId") UUID invocationId) {
        ReceiptProof p = prover.prove(invocationId, caller.address());
        return new Proof(p.receipt().receipt(), p.receipt().hash(), new Wei(p.receipt().charge()),
                VoucherResource.view(p.voucher()), p.proof(), p.settlement().orElse(null), p.providerBatch().orElse(null),
                p.witnessBatch().orElse(null));
    }
}
