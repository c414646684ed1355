package cloud.agora.marketplace.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.resources.Resources;
import java.time.Instant;
import java.util.Map;

/**
 * A provider as the market records it.
 *
 * @param offer           its current offer, or null before it published one
 * @param lastHeartbeatAt its last sign of life (heartbeat or offer), or null
 * @param reportedFree    the free capacity its agent last reported, or null if it never did
 */
public record Provider(
        Address address,
        String endpoint,
        String region,
        Map<String, String> attributes,
        Instant registeredAt,
        Offer offer,
        Instant lastHeartbeatAt,
        Resources reportedFree) {

    public Provider {
        attributes = Map.copyOf(attributes);
    }
}
