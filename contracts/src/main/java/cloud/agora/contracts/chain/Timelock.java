package cloud.agora.contracts.chain;

import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eth.Address;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A deployed {@code AgoraTimelock} (OpenZeppelin's {@code TimelockController} with a floor under its delay), the
 * escrow's executor: a parameter change is {@link #schedule scheduled} by a proposer, waits at least
 * {@link #minDelay()}, and is then {@link #execute executed} by an executor; during the wait a canceller (a
 * guardian) can {@link #cancel} it. Write methods return once the transaction is mined and confirmed; a revert
 * throws {@link ContractRevertedException} with OpenZeppelin's error (e.g. {@code TimelockUnexpectedOperationState},
 * {@code AccessControlUnauthorizedAccount}) or, from an executed call, the target's own error.
 *
 * <p>State reads ({@link #state}, {@link #readyAt}) look at the pending block, so they say what a transaction sent
 * now would see (a local node that mines only on demand keeps its latest block's time until the next transaction).
 */
public interface Timelock {

    /** The roles of a {@code TimelockController}. */
    enum Role {
        PROPOSER("PROPOSER_ROLE"), EXECUTOR("EXECUTOR_ROLE"), CANCELLER("CANCELLER_ROLE"),
        /** {@code DEFAULT_ADMIN_ROLE}: grants and revokes the others. */
        ADMIN(null);

        private final String name;

        Role(String name) {
            this.name = name;
        }

        /** The role's id: {@code keccak256(name)}, zero for the admin role. */
        public Bytes32 id() {
            return name == null ? Bytes32.ZERO : TimelockOperation.saltOf(name);
        }
    }

    Address address();

    /** The delay operations scheduled now wait at least. */
    Duration minDelay();

    /** The lowest delay {@code updateDelay} accepts, fixed at deployment. */
    Duration minDelayFloor();

    boolean hasRole(Role role, Address account);

    /** The state of operation {@code id} for a transaction sent now. */
    OperationState state(Bytes32 id);

    /** When a scheduled operation becomes ready (block time); empty when it is not scheduled or is done. */
    Optional<Instant> readyAt(Bytes32 id);

    /**
     * Whether operation {@code id} was cancelled ({@code Cancelled(id)} logged) at or after {@code fromBlock}: tells a
     * cancelled operation from one never scheduled, both {@link OperationState#UNSET}.
     */
    boolean wasCancelled(Bytes32 id, long fromBlock);

    /** Schedules {@code operation} to become ready after {@code delay} (at least {@link #minDelay()}); proposers only. */
    TxReceipt schedule(Signer proposer, TimelockOperation operation, Duration delay);

    /** Executes a ready {@code operation}: its calls, in order, all or none; executors only. */
    TxReceipt execute(Signer executor, TimelockOperation operation);

    /** Cancels the scheduled, not executed operation {@code id}; cancellers (guardians, proposers) only. */
    TxReceipt cancel(Signer canceller, Bytes32 id);

    /** The call that changes the delay ({@code updateDelay}), to be scheduled through this timelock itself. */
    TimelockCall updateDelayCall(Duration delay);

    /**
     * A call that changes nothing on chain but commits an operation to {@code record}: the timelock's own
     * {@code getMinDelay()} with {@code keccak256(record)} appended (calldata the function ignores). A change that
     * takes effect off chain (a service parameter) then waits in, and can be cancelled through, this timelock like an
     * on-chain one, and its executed call — with the record's hash — is in the chain's {@code CallExecuted} logs.
     */
    TimelockCall recordCall(String record);
}
