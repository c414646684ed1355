package cloud.agora.marketplace.domain;

import cloud.agora.protocol.eth.Address;
import java.util.Map;
import java.util.List;

/**
 * Everything one command changed in the book, to be recorded in one transaction: providers
 * to upsert, bids created or changed, leases created or closed, and whether an offer was
 * published (an {@code OfferPublished} event), the idempotency keys new bids were placed with, and the time
 * providers went unheard beyond the heartbeat timeout (evidence against their uptime, milliseconds per provider).
 */
public record Outcome(
        List<Provider> providers,
        List<Bid> newBids,
        List<Bid> changedBids,
        List<Lease> createdLeases,
        List<Lease> closedLeases,
        List<Provider> publishedOffers,
        List<BidKey> bidKeys,
        Map<Address, Long> downMillis) {

    /** An outcome placing no bid under an idempotency key. */
    public Outcome(List<Provider> providers, List<Bid> newBids, List<Bid> changedBids, List<Lease> createdLeases,
            List<Lease> closedLeases, List<Provider> publishedOffers) {
        this(providers, newBids, changedBids, createdLeases, closedLeases, publishedOffers, List.of(), Map.of());
    }

    /** Nothing changed. */
    public static Outcome none() {
        return new Outcome(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /** This outcome, also recording that its new bid was placed with {@code key}. */
    public Outcome keyed(BidKey key) {
        List<BidKey> keys = new java.util.ArrayList<>(bidKeys);
        keys.add(key);
        return new Outcome(providers, newBids, changedBids, createdLeases, closedLeases, publishedOffers, List.copyOf(keys),
                downMillis);
    }

    public boolean isEmpty() {
        return providers.isEmpty() && newBids.isEmpty() && changedBids.isEmpty() && createdLeases.isEmpty()
                && closedLeases.isEmpty() && publishedOffers.isEmpty() && bidKeys.isEmpty() && downMillis.isEmpty();
    }
}
