package cloud.agora.marketplace.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.time.Instant;
import java.util.UUID;

/**
 * One replica of a bid placed on one provider, at that provider's asking prices.
 *
 * @param broker the storage gateway that placed the bid for the owner, or null
 */
public record Lease(
        UUID id,
        UUID bidId,
        Address owner,
        Address provider,
        BidKind kind,
        Resources resources,
        Prices prices,
        LeaseState state,
        Instant createdAt,
        Instant closedAt,
        Address closedBy,
        String closeReason,
        Address broker) {

    /** This lease closed by {@code by} (its owner, its provider or its broker). */
    public Lease close(Address by, String reason, Instant now) {
        return new Lease(id, bidId, owner, provider, kind, resources, prices, LeaseState.CLOSED, createdAt, now, by, reason,
                broker);
    }

    /** Its owner (who pays), its provider, or the storage gateway that brokered it for the owner. */
    public boolean isParty(Address address) {
        return owner.equals(address) || provider.equals(address) || address.equals(broker);
    }

    /** The lease as clients and events show it. */
    public cloud.agora.protocol.market.LeaseView view(String providerEndpoint) {
        return new cloud.agora.protocol.market.LeaseView(id, bidId, owner, provider, providerEndpoint, kind, resources,
                prices, state, createdAt, closedAt, closedBy, closeReason);
    }
}
