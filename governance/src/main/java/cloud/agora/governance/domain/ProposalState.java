package cloud.agora.governance.domain;

/**
 * Where a proposal is in its life. Pending and active follow from the head block; the rest are recorded by the
 * tally and the execution.
 */
public enum ProposalState {
    /** The snapshot block has not passed yet: no votes. */
    PENDING,
    /** Votes are taken (snapshot &lt; head ≤ end). */
    ACTIVE,
    /** Ended without quorum or majority. */
    DEFEATED,
    /** Passed (a transient state: a passed proposal is queued at once; shown while its queueing is recorded). */
    SUCCEEDED,
    /** Passed and waiting for its timelock ({@code eta}; on chain, its operation scheduled in the timelock). */
    QUEUED,
    /** Every change took effect. */
    EXECUTED,
    /** Queued but not executed within the grace period after its eta. */
    EXPIRED,
    /**
     * Queued, and its on-chain operation cancelled during the delay (by a guardian): none of its changes, on chain or
     * not, takes effect.
     */
    CANCELLED
}
