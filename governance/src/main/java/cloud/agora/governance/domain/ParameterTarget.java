package cloud.agora.governance.domain;

/** Where a parameter takes effect when a proposal changing it is executed. */
public enum ParameterTarget {
    /** The escrow contract: a call made by the timelock, its executor, after the delay. */
    ESCROW,
    /** A service: a {@code ParameterChanged} event on {@code governance.decisions.v1}. */
    MARKETPLACE,
    FUNCTIONS,
    BILLING,
    /** Governance itself: the stored value is read by later proposals. */
    GOVERNANCE,
    /**
     * Governance and the on-chain timelock: the delay of passed changes, stored for governance and set on the
     * timelock ({@code updateDelay}, an operation of the timelock itself).
     */
    TIMELOCK
}
