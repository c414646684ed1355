package cloud.agora.storage.domain.replica;

import cloud.agora.ipld.Cid;
import java.time.Instant;

/**
 * One copy of a pinned DAG on a provider.
 *
 * @param lease   the storage lease that holds it
 * @param root    the DAG's root
 * @param state   where it stands
 * @param audits  audits it passed
 * @param audited when it last passed one (null before the first)
 * @param reason  why it failed, when it did
 * @param seal    how its blocks are sealed on the provider; null for a replica stored before replicas were sealed
 *                (plain blocks under their own CIDs: audited the old way until a sealed copy replaces it)
 */
public record Replica(StorageLease lease, Cid root, State state, int audits, Instant audited, String reason, Seal seal) {

    /** Whether its blocks are sealed (every replica stored since sealing began). */
    public boolean sealed() {
        return seal != null;
    }

    /** A replica's life: transferring → active → failed (lease closed) or closed (unpinned). */
    public enum State {
        TRANSFERRING, ACTIVE, FAILED, CLOSED;

        /** The column value. */
        public String wire() {
            return name().toLowerCase();
        }
    }
}
