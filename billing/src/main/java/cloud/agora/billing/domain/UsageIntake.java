package cloud.agora.billing.domain;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.protocol.eth.Address;
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

    /** Rates the caller's batch. */
    public RatingOutcome accept(Address caller, List<UsageReceipt> receipts) {
        if (receipts == null || receipts.isEmpty()) {
            throw new InvalidUsageBatchException("a batch holds at least one receipt");
        }
        if (receipts.size() > config.ingestion().maxHttpBatch()) {
            throw new InvalidUsageBatchException("a batch holds at most " + config.ingestion().maxHttpBatch()
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
        return rater.rate(batch);
    }
}
