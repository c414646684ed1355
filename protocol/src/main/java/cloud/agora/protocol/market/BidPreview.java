package cloud.agora.protocol.market;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.resources.Prices;
import java.util.List;

/**
 * What a bid would get if it were placed now, answered without placing it: nothing is reserved, recorded or
 * published, and the book may differ by the time a bid is placed.
 *
 * @param replicas            the replicas the bid asks for
 * @param wouldLease          how many of them would be leased at once (at most one per provider)
 * @param providersWithOffers every provider with an offer, the count each exclusion is out of
 * @param matching            the providers that meet every constraint, in the order a placed bid takes them (cheapest
 *                            for the bid's resources first, then the higher reputation score, then the earlier offer)
 * @param excluded            for each constraint that excludes at least one provider with an offer, how many it
 *                            excludes, each constraint judged on its own (a provider failing two counts under both)
 * @param unmatchedReasons    when fewer than {@code replicas} would be leased, why, as a resting bid would say it
 */
public record BidPreview(int replicas, int wouldLease, int providersWithOffers, List<MatchingOffer> matching,
        List<Exclusion> excluded, List<UnmatchedReason> unmatchedReasons) {

    public BidPreview {
        matching = List.copyOf(matching);
        excluded = List.copyOf(excluded);
        unmatchedReasons = List.copyOf(unmatchedReasons);
    }

    /**
     * A provider that would serve a replica.
     *
     * @param prices     its asking prices: a lease made with it now would carry exactly these
     * @param score      its reputation score as matching sees it, null until computed
     * @param wouldLease whether a bid placed now would lease a replica from it (the first {@code replicas} of the list)
     */
    public record MatchingOffer(Address provider, String region, Prices prices, Integer score, boolean wouldLease) {
    }

    /** A constraint and the number of providers with an offer that fail it. */
    public record Exclusion(PreviewConstraint constraint, int providers, String description) {
    }
}
