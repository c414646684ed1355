package cloud.agora.marketplace.domain;

import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.time.Instant;

/**
 * A provider's standing offer: total capacity for sale and asking prices.
 *
 * @param seq time priority among offers at equal price and reputation (earlier first)
 */
public record Offer(Resources capacity, Prices prices, Instant publishedAt, long seq) {
}
