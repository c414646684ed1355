package cloud.agora.governance.domain;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;

/**
 * A proposal as stored. {@code recorded} is the state written by the tally and the execution ({@code null} while
 * voting has not been tallied); {@link #stateAt(long)} adds pending and active from the head block.
 *
 * @param quorumBps the quorum in force when it was created (later quorum changes do not move the goalposts)
 * @param quorum    votes (for + abstain) needed, known once tallied
 */
public record Proposal(long id, String proposer, String title, String description, long createdBlock, long snapshotBlock,
        long endBlock, int quorumBps, Instant createdAt, ProposalState recorded, Tally tally, BigInteger quorum, Instant eta,
        Instant executedAt, List<ProposalChange> changes) {

    /** The state with the head block at {@code headBlock}. */
    public ProposalState stateAt(long headBlock) {
        if (recorded != null) {
            return recorded;
        }
        return headBlock <= snapshotBlock ? ProposalState.PENDING : ProposalState.ACTIVE;
    }

    /** Whether votes are taken at {@code headBlock}: the snapshot is in the past and the end is not. */
    public boolean votingOpenAt(long headBlock) {
        return recorded == null && headBlock > snapshotBlock && headBlock <= endBlock;
    }
}
