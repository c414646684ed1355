package cloud.agora.protocol.market;

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
 */
public record BidSpec(BidKind kind, Resources resources, Integer replicas, Prices maxPrices, Constraints constraints,
        Long ttlSeconds) {
}
