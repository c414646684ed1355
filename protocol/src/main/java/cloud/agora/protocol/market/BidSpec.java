package cloud.agora.protocol.market;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;

/**
 * A developer's bid.
 *
 * @param kind        compute (default) or storage
 * @param resources   what one replica needs
 * @param replicas    how many replicas, each on a distinct provider
 * @param maxPrices   the highest unit prices the developer accepts
 * @param constraints region and required attributes (optional)
 * @param ttlSeconds  how long the bid may rest unmatched in the book
 * @param payer       who pays for its leases when not the bidder: only a storage gateway names one, on a storage bid
 *                    for the account whose pin it replicates (the account is the leases' owner; the gateway is their
 *                    broker, which reads the bid, cancels it and closes its leases); null otherwise
 */
public record BidSpec(BidKind kind, Resources resources, Integer replicas, Prices maxPrices, Constraints constraints,
        Long ttlSeconds, Address payer) {

    /** A bid its bidder pays for. */
    public BidSpec(BidKind kind, Resources resources, Integer replicas, Prices maxPrices, Constraints constraints,
            Long ttlSeconds) {
        this(kind, resources, replicas, maxPrices, constraints, ttlSeconds, null);
    }
}
