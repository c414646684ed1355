package cloud.agora.storage.domain.replica;

import cloud.agora.ipld.Cid;
import java.util.Optional;

/** Port: the storage role of providers' agents (DESIGN.md, "Storage role of the agent"). */
public interface StorageProviders {

    /** Stores one block under the lease; the agent checks it against the CID. */
    void put(StorageLease lease, Cid cid, byte[] block);

    /** The block as the agent holds it (unverified), or empty when it has none. */
    Optional<byte[]> get(StorageLease lease, Cid cid);

    /**
     * Asks for {@code hex(sha256(block ‖ nonce))} of the block.
     *
     * @return the agent's proof (hex), as it answered it
     * @throws ReplicationException when the agent does not answer in time or refuses
     */
    String challenge(StorageLease lease, Cid cid, byte[] nonce);

    /** Deletes every block of the lease on the agent. */
    void delete(StorageLease lease);
}
