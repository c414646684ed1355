package cloud.agora.storage.domain.replica;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.usage.StoragePeriods;
import java.util.List;
import java.util.Optional;

/**
 * Port: the storage role of providers' agents (DESIGN.md, "Storage role of the agent"). The agent checks and
 * stores whatever block it is given under its CID; the gateway gives it sealed blocks under their own CIDs
 * ({@link Seal}), so every CID here is a sealed one and the agent never sees a plain block or its CID.
 */
public interface StorageProviders {

    /** Stores one block under the lease; the agent checks it against the CID. */
    void put(StorageLease lease, Cid cid, byte[] block);

    /**
     * The block as the agent holds it (unverified), or empty when it has none. Replication does not read blocks back
     * (it seals from the gateway's own store, see {@link Replicator}); a reader unseals with the replica's
     * {@link Seal} and verifies against the plain CID.
     */
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

    /**
     * Hands the agent storage periods of its lease that the gateway witnessed (ended, with the replica whole at an
     * audit since): the agent rebuilds each period's receipt, checks the witness, signs it and ships it to billing.
     *
     * @return how many of them the agent took as new (it deduplicates by period)
     * @throws ReplicationException when the agent does not take them (any answer but a 2xx one)
     */
    int witness(StorageLease lease, List<StoragePeriods.Witnessed> periods);
}
