package cloud.agora.functions.domain.deployment;

import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.LeaseView;
import java.util.UUID;

/**
 * The marketplace as deployments need it. Every call acts as the developer (their own
 * access token): the marketplace owns the bids and leases and checks who may see them.
 */
public interface Marketplace {

    /**
     * Places a bid under an idempotency key; the answer already holds the leases it matched. Placing the same bid
     * with the same key again answers the bid the first call placed (no second bid, no second lease).
     *
     * @param idempotencyKey the key ({@code Idempotency-Key}) recorded with the intent before this call
     * @throws BidRefusedException when the marketplace refuses the bid (4xx)
     * @throws MarketplaceUnavailableException when it cannot be reached or fails (the bid may or may not be placed:
     *                                         place it again with the same key to learn which)
     */
    BidView placeBid(String bearerToken, BidSpec bid, String idempotencyKey);

    /**
     * What the bid would get if it were placed now; places nothing.
     *
     * @throws BidRefusedException when the marketplace refuses the bid (4xx)
     * @throws MarketplaceUnavailableException when it cannot be reached or fails
     */
    BidPreview previewBid(String bearerToken, BidSpec bid);

    /** The bid as the marketplace sees it now. */
    BidView bid(String bearerToken, UUID bidId);

    /** One lease (its provider and the provider's agent endpoint). */
    LeaseView lease(String bearerToken, UUID leaseId);

    /** Cancels the bid if it is still open (its leases stay). */
    void cancelBid(String bearerToken, UUID bidId);

    /** Closes an active lease, freeing the provider's capacity. */
    void closeLease(String bearerToken, UUID leaseId, String reason);
}
