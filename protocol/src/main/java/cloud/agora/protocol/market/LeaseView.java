package cloud.agora.protocol.market;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.time.Instant;
import java.util.UUID;

/**
 * A lease: one replica of a bid placed on one provider at the provider's asking prices.
 * The payload of {@code marketplace.leases.v1} events and of the agents' lease stream.
 */
public record LeaseView(
        UUID id,
        UUID bidId,
        Address owner,
        Address provider,
        String providerEndpoint,
        BidKind kind,
        Resources resources,
        Prices prices,
        LeaseState state,
        Instant createdAt,
        Instant closedAt,
        Address closedBy,
        String closeReason) {
}
