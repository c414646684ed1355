package cloud.agora.governance.domain;

import java.util.List;

/**
 * A proposal's changes as one operation of the on-chain timelock: all of them or none, cancelled as one. Those that
 * take effect on chain are calls of the escrow or the timelock; a service parameter is a call that changes nothing but
 * commits the operation to the change ({@code Timelock.recordCall}), so every passed change waits the chain's delay
 * and a guardian can cancel any of them. The proposal's id and creation block make its salt, so the operation is the
 * same every time it is derived, and another database's proposal with the same id (created at another block) never
 * collides with it.
 *
 * @param changes the proposal's changes, in its order
 */
public record OnChainChanges(long proposalId, long createdBlock, List<ProposalChange> changes) {

    public OnChainChanges {
        changes = List.copyOf(changes);
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("no on-chain change");
        }
    }

    /** The timelock operation's changes of {@code proposal}: all of them. */
    public static OnChainChanges of(Proposal proposal) {
        return new OnChainChanges(proposal.id(), proposal.createdBlock(), proposal.changes());
    }
}
