package cloud.agora.protocol.market;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.time.Instant;
import java.util.Map;

/**
 * A provider's offer as the market sees it: asking prices, total capacity, what is still free,
 * and whether the provider is available (heartbeating) and may get new leases.
 */
public record OfferView(
        Address provider,
        String endpoint,
        String region,
        Map<String, String> attributes,
        Resources capacity,
        Resources free,
        Prices prices,
        boolean available,
        Instant lastHeartbeatAt,
        int reputation) {
}
