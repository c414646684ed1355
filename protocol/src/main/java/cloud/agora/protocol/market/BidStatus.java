package cloud.agora.protocol.market;

/** Where a bid is in its life. Only {@code OPEN} bids rest in the book and can still match. */
public enum BidStatus {
    /** Some replicas are still unmatched; the bid rests in the book. */
    OPEN,
    /** Every replica has a lease. */
    MATCHED,
    /** The owner withdrew it. */
    CANCELLED,
    /** Its time to live ran out before every replica matched. */
    EXPIRED
}
