package cloud.agora.agent.api;

import cloud.agora.agent.storage.BlockKeeper;
import cloud.agora.agent.storage.StoragePeriodReceipts;
import cloud.agora.protocol.invocation.StorageChallenge;
import cloud.agora.protocol.invocation.StorageProof;
import cloud.agora.protocol.usage.StoragePeriods;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.UUID;

/**
 * The storage role: blocks of the storage leases this provider holds, for the storage gateway only — every request
 * carries its grant for the lease in the path ({@code Authorization: Agora-Grant <token>}, see {@link StorageGranted}).
 */
@Path("/api/v1/storage/leases/{leaseId}")
@StorageGranted
public class StorageResource {

    private final BlockKeeper keeper;
    private final StoragePeriodReceipts periods;

    public StorageResource(BlockKeeper keeper, StoragePeriodReceipts periods) {
        this.keeper = keeper;
        this.periods = periods;
    }

    /** Stores a block (body = its bytes, which must hash to the CID): 201 when new, 204 when already there. */
    @PUT
    @Path("/blocks/{cid}")
    @Consumes(MediaType.WILDCARD)
    public Response put(@PathParam("leaseId") UUID leaseId, @PathParam("cid") String cid, InputStream body) {
        return keeper.put(leaseId, cid, body) ? Response.status(201).build() : Response.noContent().build();
    }

    /** The block's raw bytes, verified against the CID. */
    @GET
    @Path("/blocks/{cid}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public byte[] get(@PathParam("leaseId") UUID leaseId, @PathParam("cid") String cid) {
        return keeper.get(leaseId, cid);
    }

    /** Answers an audit: {@code {cid, nonce, proof}} with proof = hex(sha256(block ‖ nonce)). */
    @POST
    @Path("/challenges")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public StorageProof challenge(@PathParam("leaseId") UUID leaseId, StorageChallenge challenge) {
        return keeper.challenge(leaseId, challenge == null ? null : challenge.cid(), challenge == null ? null : challenge.nonce());
    }

    /**
     * The periods the storage gateway witnessed for the lease ({@code StoragePeriods.WitnessedPeriods}): each becomes a
     * receipt this provider signs and ships, charged to the lease's owner. {@code {accepted}}: how many were new.
     */
    @POST
    @Path("/periods")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public StoragePeriods.Accepted periods(@PathParam("leaseId") UUID leaseId, StoragePeriods.WitnessedPeriods body) {
        return periods.accept(leaseId, body);
    }

    /** {@code {leaseId, blocks, bytes}}. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public BlockKeeper.LeaseBlocks usage(@PathParam("leaseId") UUID leaseId) {
        return keeper.usage(leaseId);
    }

    /** Deletes every block of the lease. */
    @DELETE
    public Response delete(@PathParam("leaseId") UUID leaseId) {
        keeper.deleteAll(leaseId);
        return Response.noContent().build();
    }
}
