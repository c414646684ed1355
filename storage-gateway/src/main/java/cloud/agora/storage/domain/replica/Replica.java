package cloud.agora.storage.domain.replica;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.eth.Address;
import java.time.Instant;

/**
 * One copy of a pinned DAG on a provider, paid by the owner of the pin that asked for it.
 *
 * @param lease          the storage lease that holds it
 * @param root           the DAG's root
 * @param payer          who pays for it: the owner of the pin that asked for it, and the lease's owner at the
 *                       marketplace; null for a replica the gateway bought and paid for itself before replicas were
 *                       paid (never witnessed; replaced by a paid copy)
 * @param state          where it stands
 * @param audits         audits it passed
 * @param audited        when it last passed one (null before the first)
 * @param reason         why it failed, when it did
 * @param seal           how its blocks are sealed on the provider; null for a replica stored before replicas were
 *                       sealed (plain blocks under their own CIDs: audited the old way until a sealed copy replaces it)
 * @param created        when the gateway recorded it (its first storage period is the one containing this instant)
 * @param witnessedUntil the end of the last storage period witnessed for its lease; null before the first
 */
public record Replica(StorageLease lease, Cid root, Address payer, State state, int audits, Instant audited,
        String reason, Seal seal, Instant created, Instant witnessedUntil) {

    /** Whether its blocks are sealed (every replica stored since sealing began). */
    public boolean sealed() {
        return seal != null;
    }

    /** Whether a pin's owner pays for it (every replica stored since replicas were paid). */
    public boolean paid() {
        return payer != null;
    }

    /** Whether it is one of {@code payer}'s replicas. */
    public boolean paidBy(Address payer) {
        return payer.equals(this.payer);
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
