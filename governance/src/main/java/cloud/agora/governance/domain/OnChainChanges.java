package cloud.agora.governance.domain;

import java.util.List;
import java.util.Optional;

/**
 * A proposal's changes that take effect on chain, made by one timelock operation: all of them or none, cancelled
 * as one. The proposal's id and creation block make its salt, so the operation is the same every time it is
 * derived, and another database's proposal with the same id (created at another block) never collides with it.
 *
 * @param changes the on-chain changes, in the proposal's order
 */
public record OnChainChanges(long proposalId, long createdBlock, List<ProposalChange> changes) {

    public OnChainChanges {
        changes = List.copyOf(changes);
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("no on-chain change");
        }
    }

    /** The on-chain changes of {@code proposal}, if it has any. */
    public static Optional<OnChainChanges> of(Proposal proposal) {
        List<ProposalChange> onChain = proposal.changes().stream()
                .filter(c -> Parameters.named(c.parameter()).map(ParameterDefinition::onChain).orElse(false))
                .toList();
        return onChain.isEmpty() ? Optional.empty()
                : Optional.of(new OnChainChanges(proposal.id(), proposal.createdBlock(), onChain));
    }
}
