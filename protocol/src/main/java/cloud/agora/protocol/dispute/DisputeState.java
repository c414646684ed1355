package cloud.agora.protocol.dispute;

/** Where a dispute over a charge stands. */
public enum DisputeState {
    /** Waiting for the provider's answer or the end of its answer window. */
    OPEN,
    /** The charge is refunded as a credit to the pair's next vouchers; it counts against the provider. */
    UPHELD,
    /** The charge stands; it counts for the provider. */
    REJECTED
}
