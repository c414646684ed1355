package cloud.agora.protocol.api;

import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.ReceiptTreeAnswer;
import cloud.agora.protocol.usage.ReceiptTreeQuery;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;

/**
 * Billing's usage intake for agents that are not co-located with Kafka, signed in as the provider
 * ({@code Bearer <token>}; billing takes only the caller's own receipts). Problems: 400 {@code invalid-usage-batch},
 * 403 for another provider's receipts or lease.
 */
@Path("/api/v1/usage")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface BillingUsageApi {

    /** A batch of the caller's receipts, attested by one signature over their Merkle root; each is rated once. */
    @POST
    @Path("/batches")
    BatchResult batch(@HeaderParam("Authorization") String authorization, ReceiptBatch batch);

    /** Anti-entropy: the asked nodes of the prefix tree over the receipts billing holds of one lease and UTC day. */
    @POST
    @Path("/tree-nodes")
    ReceiptTreeAnswer treeNodes(@HeaderParam("Authorization") String authorization, ReceiptTreeQuery query);

    /**
     * What became of a batch: how many receipts were rated now, each refused one with its reason (quarantined: the
     * same receipt would be refused again), and the ones that wait for their gateway's witness. Read leniently: a 2xx
     * means the batch was taken, whatever else billing says about it.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record BatchResult(int rated, List<Rejection> quarantined, List<UUID> awaitingWitness) {
    }

    /**
     * Why a receipt was not rated.
     *
     * @param invocationId the receipt's invocation, when it could be read
     * @param reason       a stable slug ({@code malformed}, {@code bad-provider-signature}, {@code out-of-bounds}, ...)
     * @param detail       what exactly was wrong, for operators
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Rejection(UUID invocationId, String reason, String detail) {
    }
}
