package cloud.agora.protocol.market;

/** What a bid buys: compute for function replicas, or storage for pinned content. */
public enum BidKind {
    COMPUTE,
    STORAGE
}
