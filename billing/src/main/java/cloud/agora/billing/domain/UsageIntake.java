package cloud.agora.billing.domain;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.BatchAttestation;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.UsageReceipt;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * Receipts sent by remote agents over HTTPS ({@code POST /api/v1/usage/batches}). The signed-in caller must be the
 * provider of every receipt of the batch (a batch that is not entirely the caller's is refused whole); the receipts
 * then follow the same rules as those from Kafka: the agent's own copies (not counter-signed) wait for the gateway's
 * witness, counter-signed copies are rated, and the answer is returned only after every receipt is durably rated,
 * waiting or quarantined.
 */
@ApplicationScoped
public class UsageIntake {

    private final UsageRater rater;
    private final BillingConfig config;

    public UsageIntake(UsageRater rater, BillingConfig config) {
        this.rater = rater;
        this.config = config;
    }

    /** Rates the caller's batch of receipts, each signed by the caller. */
    public RatingOutcome accept(Address caller, List<UsageReceipt> receipts) {
        return accept(caller, receipts, null);
    }

    /**
     * Rates the caller's batch: receipts each signed by the caller, or, with {@code attestation}, a
     * {@link ReceiptBatch} attested by the caller (at most {@value ReceiptBatch#MAX_RECEIPTS} receipts).
     */
    public RatingOutcome accept(Address caller, List<UsageReceipt> receipts, BatchAttestation attestation) {
        if (receipts == null || receipts.isEmpty()) {
            throw new InvalidUsageBatchException("a batch holds at least one receipt");
        }
        if (receipts.size() > config.ingestion().maxHttpBatch()) {
            throw new InvalidUsageBatchException("a batch holds at most " + config.ingestion().maxHttpBatch()
                    + " receipts, got " + receipts.size());
        }
        if (attestation != null && !attestation.signer().equals(caller)) {
            throw new AccessDeniedException(caller, "the batch is attested by " + attestation.signer()
                    + ", not the caller: attest only your own receipts");
        }
        if (attestation != null && receipts.size() > ReceiptBatch.MAX_RECEIPTS) {
            throw new InvalidUsageBatchException("an attested batch holds at most " + ReceiptBatch.MAX_RECEIPTS
                    + " receipts, got " + receipts.size());
        }
        List<IncomingReceipt> batch = new ArrayList<>(receipts.size());
        for (UsageReceipt receipt : receipts) {
            if (receipt == null) {
                throw new InvalidUsageBatchException("a batch holds no null receipt");
            }
            if (!receipt.provider().equals(caller)) {
                throw new AccessDeniedException(caller, "receipt " + receipt.invocationId() + " is provider "
                        + receipt.provider() + "'s, not the caller's: send only your own receipts");
            }
            batch.add(IncomingReceipt.of(receipt, "http:" + caller.value()));
        }
        if (attestation != null) {
            ReceiptBatch attested = new ReceiptBatch(attestation, receipts);
            return rater.rate(new UsageArrivals(List.of(), List.of(new UsageArrivals.Arrived<>(attested,
                    JsonCodec.write(attested), "http:" + caller.value())), List.of()));
        }
        return rater.rate(batch);
    }
}
