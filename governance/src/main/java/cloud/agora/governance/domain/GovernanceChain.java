package cloud.agora.governance.domain;

import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;

/**
 * What governance needs from the chain: the head block, voting power from the token's checkpoints, and the
 * on-chain timelock that is the escrow's executor. A passed proposal's on-chain changes are one timelock
 * operation, identified by the proposal (its id and creation block) and its changes: governance schedules it
 * with its key (the timelock's proposer), executes it once ready (the timelock's executor); a guardian may cancel
 * it meanwhile. Every method blocks; a node that cannot be reached is a {@link ChainUnavailableException} for reads.
 */
public interface GovernanceChain {

    long headBlock();

    /** The domain votes are signed in: "Agora Governance", "1", this chain, the token. */
    Eip712Domain voteDomain();

    /** {@code account}'s voting power at the latest block. */
    BigInteger currentVotes(Address account);

    /** {@code account}'s voting power at the end of {@code block} (which must be in the past). */
    BigInteger pastVotes(Address account, long block);

    /** The token's total supply at the end of {@code block} (which must be in the past). */
    BigInteger pastTotalSupply(long block);

    /** The id (0x hex) of the timelock operation that makes {@code changes}: the same changes always give the same id. */
    String operationId(OnChainChanges changes);

    /** Where the operation of {@code changes} stands. */
    TimelockStatus status(OnChainChanges changes);

    /** Whether the operation was cancelled (by a guardian, or by governance itself) at or after {@code fromBlock}. */
    boolean wasCancelled(OnChainChanges changes, long fromBlock);

    /**
     * Schedules the operation to be ready after {@code delay} (raised to the timelock's own delay if that is longer);
     * refuses when a configured guardian cannot cancel on this timelock. Returns the transaction hash.
     */
    String schedule(OnChainChanges changes, Duration delay);

    /** Executes the ready operation; returns the transaction hash. */
    String execute(OnChainChanges changes);

    /** Cancels the scheduled operation with governance's own canceller role; returns the transaction hash. */
    String cancel(OnChainChanges changes);

    /** The timelock's view for readers: its address, delays, proposer and guardians. */
    TimelockView timelock();

    /** The lowest delay the on-chain timelock accepts ({@code minDelayFloor}), fixed at its deployment. */
    Duration timelockFloor();

    /**
     * The timelock as anyone can check it on chain.
     *
     * @param guardians each configured guardian and whether it holds the canceller role
     */
    record TimelockView(String address, Duration minDelay, Duration minDelayFloor, String proposer,
                        List<Guardian> guardians) {

        /** A configured guardian and whether the timelock lets it cancel. */
        public record Guardian(String address, boolean canCancel) {
        }
    }
}
