package cloud.agora.contracts.chain;

/** Where a timelock operation is, as OpenZeppelin's {@code TimelockController.getOperationState} says (same order). */
public enum OperationState {
    /** Never scheduled, or cancelled. */
    UNSET,
    /** Scheduled, its delay not over. */
    WAITING,
    /** Scheduled, its delay over: it can be executed. */
    READY,
    /** Executed. */
    DONE
}
