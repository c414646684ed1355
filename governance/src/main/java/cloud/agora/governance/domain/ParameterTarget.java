package cloud.agora.governance.domain;

/** Where a parameter takes effect when a proposal changing it is executed. */
public enum ParameterTarget {
    /** The escrow contract: a transaction from the executor key. */
    ESCROW,
    /** A service: a {@code ParameterChanged} event on {@code governance.decisions.v1}. */
    MARKETPLACE,
    FUNCTIONS,
    BILLING,
    /** Governance itself: the stored value is read by later proposals. */
    GOVERNANCE
}
