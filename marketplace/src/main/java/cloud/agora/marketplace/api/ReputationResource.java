package cloud.agora.marketplace.api;

import cloud.agora.marketplace.domain.Presence;
import cloud.agora.marketplace.domain.Provider;
import cloud.agora.marketplace.domain.ProviderNotFoundException;
import cloud.agora.marketplace.domain.ReputationLedger;
import cloud.agora.marketplace.domain.ReputationSnapshots;
import cloud.agora.marketplace.domain.SnapshotNotFoundException;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.reputation.ReputationSnapshot;
import cloud.agora.protocol.reputation.ReputationView;
import cloud.agora.support.jdbc.StoreException;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Providers' reputation, public, with the counts behind every figure. Read from the database, so any instance answers
 * (not only the book's writer).
 */
@Path("/api/v1/reputation")
@Produces(MediaType.APPLICATION_JSON)
public class ReputationResource {

    private final ReputationLedger ledger;
    private final ReputationSnapshots snapshots;

    public ReputationResource(ReputationLedger ledger, ReputationSnapshots snapshots) {
        this.snapshots = snapshots;
        this.ledger = ledger;
    }

    @GET
    @Operation(summary = "Every provider's reputation, best first",
            description = "Over the governed window marketplace.reputation-window, with the counts behind each figure.")
    public List<ReputationView> all() {
        return ledger.views(registered()).values().stream()
                .sorted(Comparator.comparingInt(ReputationView::score).reversed()
                        .thenComparing(v -> v.provider().value()))
                .toList();
    }

    @GET
    @Path("/snapshots")
    @Operation(summary = "The reputation snapshots published, newest first",
            description = "Each a JSON document (ReputationSnapshot) named by its CID.")
    public List<ReputationSnapshot.Published> snapshots() {
        return snapshots.list();
    }

    @GET
    @Path("/snapshots/{cid}")
    @Operation(summary = "One reputation snapshot, by its CID",
            description = "The document's bytes: their CID (ipfs add --cid-version=1 --raw-leaves) is the one asked for."
                    + " 404 snapshot-not-found when it is not kept.")
    @ProblemResponses({SnapshotNotFoundException.class})
    public byte[] snapshot(@PathParam("cid") String cid) {
        return snapshots.get(cid).orElseThrow(() -> new SnapshotNotFoundException(cid));
    }

    /** One provider's reputation (served at {@code GET /api/v1/providers/{address}/reputation}). */
    ReputationView one(Address address) {
        Presence presence = registered().get(address);
        if (presence == null) {
            throw new ProviderNotFoundException(address);
        }
        return ledger.view(address, presence);
    }

    private Map<Address, Presence> registered() {
        return ledger.presence();
    }
}
