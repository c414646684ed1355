package cloud.agora.marketplace.domain;

import java.util.List;

/**
 * Everything one command changed in the book, to be recorded in one transaction: providers
 * to upsert, bids created or changed, leases created or closed, and whether an offer was
 * published (an {@code OfferPublished} event).
 */
public record Outcome(
        List<Provider> providers,
        List<Bid> newBids,
        List<Bid> changedBids,
        List<Lease> createdLeases,
        List<Lease> closedLeases,
        List<Provider> publishedOffers) {

    public boolean isEmpty() {
        return providers.isEmpty() && newBids.isEmpty() && changedBids.isEmpty() && createdLeases.isEmpty()
                && closedLeases.isEmpty() && publishedOffers.isEmpty();
    }
}
