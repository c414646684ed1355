package cloud.agora.protocol.market;

/** A lease is active from its match until either party closes it. */
public enum LeaseState {
    ACTIVE,
    CLOSED
}
