package cloud.agora.protocol.market;

import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;

/** A provider's offer: the capacity it sells and its asking unit prices. Replaces any earlier offer. */
public record OfferSpec(Resources capacity, Prices prices) {
}
