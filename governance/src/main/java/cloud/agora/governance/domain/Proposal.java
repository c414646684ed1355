package cloud.agora.governance.domain;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;

/**
 * A proposal as stored. {@code recorded} is the state written by the tally and the execution ({@code null} while
 * voting has not been tallied); {@link #stateAt(long)} adds pending and active from the head block.
 *
 * @param quorumBps         the quorum in force when it was created (later quorum changes do not move the goalposts)
 * @param quorum            votes (for + abstain) needed, known once tallied
 * @param eta               when it may be executed: for on-chain changes, when its timelock operation is ready (block
 *                          time)
 * @param timelockOperation the id of the timelock operation of its on-chain changes, once scheduled (null otherwise)
 * @param scheduleTxHash    the transaction that scheduled it (null when none was seen, e.g. after a crash)
 * @param cancelledAt       when governance saw the operation cancelled (null unless CANCELLED)
 */
public record Proposal(long id, String proposer, String title, String description, long createdBlock, long snapshotBlock,
        long endBlock, int quorumBps, Instant createdAt, ProposalState recorded, Tally tally, BigInteger quorum, Instant eta,
        Instant executedAt, List<ProposalChange> changes, String timelockOperation, String scheduleTxHash, Instant cancelledAt) {

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
