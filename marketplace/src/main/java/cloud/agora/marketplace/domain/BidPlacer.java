package cloud.agora.marketplace.domain;

import cloud.agora.marketplace.config.MarketConfig;
import cloud.agora.marketplace.persistence.MarketStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidStatus;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.UnmatchedReason;
import cloud.agora.support.problem.IdempotencyKeyReusedException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Developers place, read and cancel bids; only a bid's owner sees or cancels it. Placing
 * matches at once where it can (emitting {@code LeaseCreated}) and rests the rest; a bid placed with an idempotency
 * key is placed once however often the request is repeated.
 */
@ApplicationScoped
public class BidPlacer {

    private final MarketDesk desk;
    private final MarketStore store;
    private final MarketConfig config;
    private final MarketRules rules;

    public BidPlacer(MarketDesk desk, MarketStore store, MarketConfig config, MarketRules rules) {
        this.desk = desk;
        this.store = store;
        this.config = config;
        this.rules = rules;
    }

    /** A placed bid as its bidder sees it, and whether it is the answer to an earlier request with the same key. */
    public record Placement(BidView bid, boolean replayed) {
    }

    /**
     * Places a bid for the caller, or, when the caller is a storage gateway ({@code agora.market.gateways.storage})
     * naming a payer, for the payer.
     *
     * <p>With an idempotency key the bid is placed at most once per (caller, key): a request repeating the key and the
     * same bid gets that bid as it is now ({@link Placement#replayed()}) and places nothing; the key with another bid
     * is refused ({@link IdempotencyKeyReusedException}) and changes nothing. The key is recorded with the bid in one
     * transaction.
     *
     * @param idempotencyKey the request's key (already checked: {@code IdempotencyKeys.parse}), or null for none
     */
    public Placement place(Address caller, BidSpec spec, String idempotencyKey) {
        checkPayer(caller, spec);
        Bid.Limits limits = limits();
        if (idempotencyKey == null || spec == null) {
            Outcome outcome = desk.execute((book, now) -> book.place(Bid.open(spec, caller, book.nextSeq(), now, limits), now));
            return new Placement(answer(outcome), false);
        }
        String requestHash = BidKey.requestHash(spec);
        UUID[] earlierBid = new UUID[1];
        // on committed state: a retry queued right behind its original must find the original's key in the database
        Outcome outcome = desk.executeOnCommitted((book, now) -> {
            Optional<BidKey> earlier = keyed(caller, idempotencyKey);
            if (earlier.isPresent()) {
                if (!earlier.get().requestHash().equals(requestHash)) {
                    throw new IdempotencyKeyReusedException(idempotencyKey, "bid", earlier.get().bidId());
                }
                earlierBid[0] = earlier.get().bidId();
                return Outcome.none();
            }
            Outcome placed = book.place(Bid.open(spec, caller, book.nextSeq(), now, limits), now);
            return placed.keyed(new BidKey(caller, idempotencyKey, requestHash, placed.newBids().get(0).id()));
        });
        if (earlierBid[0] != null) {
            try {
                return new Placement(get(caller, earlierBid[0]), true);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return new Placement(answer(outcome), false);
    }

    /**
     * What the caller's bid would get if placed now ({@link OrderBook#preview}), checked as a placement is and read on
     * the desk after every earlier command is committed; nothing is placed, reserved or recorded.
     */
    public BidPreview preview(Address caller, BidSpec spec) {
        checkPayer(caller, spec);
        Bid.Limits limits = limits();
        return desk.query((book, now) -> book.preview(Bid.open(spec, caller, 0, now, limits), now));
    }

    private void checkPayer(Address caller, BidSpec spec) {
        if (spec != null && spec.payer() != null && !spec.payer().equals(caller)
                && !config.gateways().storage().orElse(List.of()).contains(caller)) {
            throw new AccessDeniedException(caller, caller + " is not a storage gateway: only a storage gateway places bids"
                    + " paid by another account (" + spec.payer() + "); nothing was placed");
        }
    }

    private Bid.Limits limits() {
        return new Bid.Limits(config.maxReplicas(), rules.maxBidLifetime(),
                config.defaultBidLifetime().compareTo(rules.maxBidLifetime()) < 0 ? config.defaultBidLifetime() : rules.maxBidLifetime());
    }

    private BidView answer(Outcome outcome) {
        Bid bid = outcome.newBids().get(0);
        List<UUID> leaseIds = outcome.createdLeases().stream().map(Lease::id).toList();
        List<UnmatchedReason> reasons = bid.status() == BidStatus.OPEN
                ? desk.query((book, now) -> book.unmatchedReasons(bid.id(), now)) : List.of();
        return bid.view(leaseIds, reasons);
    }

    private Optional<BidKey> keyed(Address bidder, String key) {
        try {
            return store.bidKey(bidder, key);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The caller's bid, with its leases and, while open, why it is not (fully) matched. */
    public BidView get(Address caller, UUID id) throws SQLException {
        Bid bid = owned(caller, id);
        List<UnmatchedReason> reasons = bid.status() == BidStatus.OPEN
                ? desk.query((book, now) -> book.unmatchedReasons(id, now)) : List.of();
        return bid.view(store.leaseIdsOfBid(id), reasons);
    }

    /** Withdraws the caller's open bid; leases it produced stay active (close them to free them). */
    public BidView cancel(Address caller, UUID id) throws SQLException {
        owned(caller, id);
        desk.execute((book, now) -> {
            if (!book.isOpen(id)) {
                throw new BidNotOpenException(id, currentStatus(id));
            }
            return book.cancel(id, caller, now);
        });
        return get(caller, id);
    }

    private Bid owned(Address caller, UUID id) throws SQLException {
        Bid bid = store.bid(id).orElseThrow(() -> new BidNotFoundException(id));
        if (!bid.isHeldBy(caller)) {
            throw new AccessDeniedException("bid", id, caller);
        }
        return bid;
    }

    private BidStatus currentStatus(UUID id) {
        try {
            return store.bid(id).map(Bid::status).orElseThrow(() -> new BidNotFoundException(id));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
