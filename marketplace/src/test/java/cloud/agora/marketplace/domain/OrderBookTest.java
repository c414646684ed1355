package cloud.agora.marketplace.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidStatus;
import cloud.agora.protocol.market.Constraints;
import cloud.agora.protocol.market.PreviewConstraint;
import cloud.agora.protocol.market.UnmatchedReason;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrderBookTest {

    static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final Address DEV = addr(0xd0);
    static final Address DEV2 = addr(0xd1);
    static final Resources REPLICA = new Resources(500, 512, 0);
    static final Resources BIG = new Resources(4000, 8192, 100);
    static final Bid.Limits LIMITS = new Bid.Limits(16, Duration.ofDays(7), Duration.ofHours(1));

    final OrderBook book = new OrderBook(TIMEOUT);

    static Address addr(int n) {
        return new Address(String.format("0x%040x", n));
    }

    static Prices price(long cpu) {
        return new Prices(Wei.of(cpu), Wei.of(10), Wei.of(1), Wei.of(100));
    }

    static Prices max(long cpu) {
        return new Prices(Wei.of(cpu), Wei.of(1000), Wei.of(1000), Wei.of(1000));
    }

    Address provider(int n, String region, long cpuPrice, Resources capacity, Map<String, String> attributes) {
        Address a = addr(n);
        book.register(a, "http://p" + n + ":8090", region, attributes, T0);
        book.publishOffer(a, capacity, price(cpuPrice), T0);
        return a;
    }

    Address provider(int n, long cpuPrice) {
        return provider(n, "eu", cpuPrice, BIG, Map.of());
    }

    Outcome bid(Address owner, Resources resources, int replicas, long maxCpu, Constraints constraints, Instant now) {
        BidSpec spec = new BidSpec(BidKind.COMPUTE, resources, replicas, max(maxCpu), constraints, 3600L);
        return book.place(Bid.open(spec, owner, book.nextSeq(), now, LIMITS), now);
    }

    Outcome bid(int replicas, long maxCpu) {
        return bid(DEV, REPLICA, replicas, maxCpu, Constraints.NONE, T0);
    }

    BidPreview preview(Resources resources, int replicas, long maxCpu, Constraints constraints) {
        BidSpec spec = new BidSpec(BidKind.COMPUTE, resources, replicas, max(maxCpu), constraints, 3600L);
        return book.preview(Bid.open(spec, DEV, 0, T0, LIMITS), T0);
    }

    @Test
    void aPreviewListsWhatAPlacedBidWouldLeaseAtTheSamePricesAndChangesNothing() {
        Address dear = provider(1, 300);
        Address cheap = provider(2, 100);
        Address middle = provider(3, 200);
        BidPreview preview = preview(REPLICA, 2, 1000, Constraints.NONE);
        assertThat(preview.replicas()).isEqualTo(2);
        assertThat(preview.wouldLease()).isEqualTo(2);
        assertThat(preview.providersWithOffers()).isEqualTo(3);
        assertThat(preview.excluded()).isEmpty();
        assertThat(preview.unmatchedReasons()).isEmpty();
        assertThat(preview.matching()).extracting(BidPreview.MatchingOffer::provider).containsExactly(cheap, middle, dear);
        assertThat(preview.matching()).extracting(BidPreview.MatchingOffer::wouldLease).containsExactly(true, true, false);
        // nothing was reserved, rested or leased: every provider still has all it offered
        assertThat(book.restingBidCount()).isZero();
        assertThat(book.activeLeaseCount()).isZero();
        assertThat(book.offers(T0)).allSatisfy(state -> assertThat(state.free()).isEqualTo(BIG));
        // four replicas on three providers: three would be leased, and the fourth would rest for want of a provider
        BidPreview tooMany = preview(REPLICA, 4, 1000, Constraints.NONE);
        assertThat(tooMany.wouldLease()).isEqualTo(3);
        assertThat(tooMany.unmatchedReasons()).containsExactly(UnmatchedReason.NOT_ENOUGH_DISTINCT_PROVIDERS);
        // the bid placed now leases exactly the previewed providers, at exactly the previewed prices
        Outcome placed = bid(2, 1000);
        assertThat(placed.createdLeases()).extracting(Lease::provider, Lease::prices).containsExactly(
                tuple(cheap, preview.matching().get(0).prices()), tuple(middle, preview.matching().get(1).prices()));
    }

    @Test
    void aPreviewNobodyCanServeNamesEachConstraintThatExcludesProvidersAndHowMany() {
        provider(1, "us", 100, BIG, Map.of("runtime.runc", "true"));
        provider(2, "eu", 500, BIG, Map.of());
        Address small = provider(3, "eu", 100, new Resources(100, 128, 0), Map.of("runtime.runc", "true"));
        Address silent = provider(4, "eu", 100, BIG, Map.of("runtime.runc", "true"));
        Address avoided = provider(5, "eu", 100, BIG, Map.of("runtime.runc", "true"));
        Address unscored = provider(6, "eu", 100, BIG, Map.of("runtime.runc", "true"));
        Address scored = provider(7, "eu", 100, BIG, Map.of("runtime.runc", "true"));
        book.heartbeat(small, null, T0.plusSeconds(20));
        book.heartbeat(avoided, null, T0.plusSeconds(20));
        book.heartbeat(unscored, null, T0.plusSeconds(20));
        book.heartbeat(scored, null, T0.plusSeconds(20));
        book.heartbeat(addr(1), null, T0.plusSeconds(20));
        book.heartbeat(addr(2), null, T0.plusSeconds(20));
        book.reliability(Map.of(scored, Reliability.of(500, 0.1)), T0.plusSeconds(20));
        Instant now = T0.plusSeconds(40); // provider 4 silent for 40 s, beyond the 30 s timeout
        BidSpec spec = new BidSpec(BidKind.COMPUTE, REPLICA, 1, max(400),
                new Constraints("eu", Map.of("runtime.runc", "true"), Set.of(avoided), 900, null), 3600L);
        BidPreview preview = book.preview(Bid.open(spec, DEV, 0, now, LIMITS), now);

        assertThat(preview.wouldLease()).isZero();
        assertThat(preview.matching()).isEmpty();
        assertThat(preview.providersWithOffers()).isEqualTo(7);
        assertThat(preview.excluded()).extracting(BidPreview.Exclusion::constraint, BidPreview.Exclusion::providers)
                .containsExactly(
                        tuple(PreviewConstraint.AVAILABLE, 1),                 // 4
                        tuple(PreviewConstraint.REGION, 1),                    // 1
                        tuple(PreviewConstraint.ATTRIBUTES, 1),                // 2
                        tuple(PreviewConstraint.MAX_PRICE_PER_VCPU_SECOND, 1), // 2
                        tuple(PreviewConstraint.AVOID_PROVIDERS, 1),           // 5
                        tuple(PreviewConstraint.MIN_SCORE, 7),                 // six not scored yet, 7 at 500
                        tuple(PreviewConstraint.CAPACITY, 1));                 // 3
        assertThat(preview.unmatchedReasons()).containsExactly(UnmatchedReason.BELOW_RELIABILITY);
        assertThat(book.restingBidCount()).isZero();
    }

    @Test
    void leasesTheCheapestFeasibleOfferAtItsAskingPrice() {
        provider(1, 300);
        Address cheap = provider(2, 100);
        provider(3, 200);
        Outcome outcome = bid(1, 1000);
        assertThat(outcome.createdLeases()).singleElement().satisfies(lease -> {
            assertThat(lease.provider()).isEqualTo(cheap);
            assertThat(lease.prices()).isEqualTo(price(100));
        });
        assertThat(outcome.newBids().get(0).status()).isEqualTo(BidStatus.MATCHED);
    }

    @Test
    void ranksByWhatTheBidsResourcesCostNotByOnePrice() {
        Address cpuCheap = addr(1);
        book.register(cpuCheap, "http://a", "eu", Map.of(), T0);
        book.publishOffer(cpuCheap, BIG, new Prices(Wei.of(1), Wei.of(900), Wei.ZERO, Wei.ZERO), T0);
        Address memoryCheap = addr(2);
        book.register(memoryCheap, "http://b", "eu", Map.of(), T0);
        book.publishOffer(memoryCheap, BIG, new Prices(Wei.of(400), Wei.of(1), Wei.ZERO, Wei.ZERO), T0);
        // 0.5 vCPU and 8 GiB: memory dominates, so the memory-cheap provider is cheaper for this bid
        Outcome outcome = bid(DEV, new Resources(500, 8192, 0), 1, 1000, Constraints.NONE, T0);
        assertThat(outcome.createdLeases().get(0).provider()).isEqualTo(memoryCheap);
    }

    @Test
    void breaksPriceTiesByReputationScoreThenByEarlierOffer() {
        Address first = provider(1, 100);
        Address second = provider(2, 100);
        assertThat(bid(1, 100).createdLeases().get(0).provider()).isEqualTo(first);
        // the evidence puts `second` above `first`: it wins the next tie
        book.reliability(Map.of(first, Reliability.of(700, 0.3), second, Reliability.of(950, 0.05)), T0);
        assertThat(bid(1, 100).createdLeases().get(0).provider()).isEqualTo(second);
    }

    @Test
    void aBidWithAMinimumScoreAvoidsTheProviderBelowItAndSaysWhyItRests() {
        Address failing = provider(1, 100);
        Address reliable = provider(2, 200);
        book.reliability(Map.of(failing, Reliability.of(400, 0.5), reliable, Reliability.of(990, 0)), T0);
        Constraints atLeast900 = new Constraints(null, Map.of(), Set.of(), 900, null);
        // the cheaper provider is below the minimum: the replica goes to the dearer, reliable one
        assertThat(bid(DEV, REPLICA, 1, 1000, atLeast900, T0).createdLeases())
                .extracting(Lease::provider).containsExactly(reliable);
        // two replicas: the second has nowhere reliable to go, and the bid says so
        Outcome resting = bid(DEV, REPLICA, 2, 1000, atLeast900, T0);
        Bid bid = resting.newBids().get(0);
        assertThat(resting.createdLeases()).extracting(Lease::provider).containsExactly(reliable);
        assertThat(book.unmatchedReasons(bid.id(), T0)).containsExactly(UnmatchedReason.BELOW_RELIABILITY);
        // once the failing provider's evidence improves, the resting replica goes there
        Outcome improved = book.reliability(Map.of(failing, Reliability.of(920, 0.02)), T0);
        assertThat(improved.createdLeases()).extracting(Lease::provider).containsExactly(failing);
        assertThat(book.isOpen(bid.id())).isFalse();
    }

    @Test
    void aHeartbeatAfterASilenceBeyondTheTimeoutRecordsTheExcessAsDownTime() {
        Address provider = provider(1, 100);
        Instant later = T0.plusSeconds(10);
        assertThat(book.heartbeat(provider, null, later).downMillis()).isEmpty();
        // silent for 100 s with a 30 s timeout: 70 s down
        assertThat(book.heartbeat(provider, null, later.plusSeconds(100)).downMillis())
                .containsExactly(Map.entry(provider, 70_000L));
    }

    @Test
    void aBidWithAMaximumFailureRateAvoidsProvidersAboveItAndThoseNotYetScored() {
        Address unscored = provider(1, 100);
        Address failing = provider(2, 100);
        Address reliable = provider(3, 300);
        book.reliability(Map.of(failing, Reliability.of(990, 0.2), reliable, Reliability.of(800, 0.01)), T0);
        Constraints fewFailures = new Constraints(null, Map.of(), Set.of(), null, 0.05);
        assertThat(bid(DEV, REPLICA, 1, 1000, fewFailures, T0).createdLeases())
                .extracting(Lease::provider).containsExactly(reliable);
        // a bid asking nothing of reliability takes the cheapest, scored or not
        assertThat(bid(DEV, REPLICA, 1, 1000, Constraints.NONE, T0).createdLeases())
                .extracting(Lease::provider).containsExactly(unscored);
    }

    @Test
    void placesReplicasOnDistinctProvidersAndRestsTheRest() {
        Address a = provider(1, 100);
        Address b = provider(2, 150);
        Outcome outcome = bid(3, 1000);
        assertThat(outcome.createdLeases()).extracting(Lease::provider).containsExactly(a, b);
        Bid bid = outcome.newBids().get(0);
        assertThat(bid.status()).isEqualTo(BidStatus.OPEN);
        assertThat(bid.matchedReplicas()).isEqualTo(2);
        assertThat(book.unmatchedReasons(bid.id(), T0)).containsExactly(UnmatchedReason.NOT_ENOUGH_DISTINCT_PROVIDERS);
        // a third provider arrives: the resting replica goes there, completing the bid
        Outcome third = book.publishOffer(provider(3, 900), BIG, price(900), T0);
        assertThat(book.isOpen(bid.id())).isFalse();
        assertThat(book.activeLeaseCount()).isEqualTo(3);
    }

    @Test
    void restsABidWhoseMaxPriceIsBelowEveryAskAndSaysWhy() {
        provider(1, 100);
        Outcome outcome = bid(1, 99);
        assertThat(outcome.createdLeases()).isEmpty();
        assertThat(book.unmatchedReasons(outcome.newBids().get(0).id(), T0))
                .containsExactly(UnmatchedReason.MAX_PRICE_BELOW_EVERY_ASK);
    }

    @Test
    void anyPriceComponentAboveTheMaximumExcludesTheOffer() {
        Address a = addr(1);
        book.register(a, "http://a", "eu", Map.of(), T0);
        book.publishOffer(a, BIG, new Prices(Wei.of(1), Wei.of(1), Wei.of(1001), Wei.of(1)), T0);
        assertThat(bid(1, 1000).createdLeases()).isEmpty();
    }

    @Test
    void aComputeBidIgnoresTheStoragePriceAndAStorageBidPaysOnlyForStorage() {
        Address a = addr(1);
        book.register(a, "http://a", "eu", Map.of(), T0);
        // asks compute prices within the compute bid's maxima and a storage price far above them
        book.publishOffer(a, BIG, new Prices(Wei.of(10), Wei.of(10), Wei.of(10), Wei.of(5000)), T0);
        assertThat(bid(1, 1000).createdLeases()).singleElement().satisfies(l -> assertThat(l.provider()).isEqualTo(a));

        // a storage bid with zero compute maxima is matched on its GiB-month price alone
        Prices storageOnly = new Prices(Wei.ZERO, Wei.ZERO, Wei.ZERO, Wei.of(5000));
        Outcome stored = book.place(Bid.open(new BidSpec(BidKind.STORAGE, new Resources(0, 0, 10), 1, storageOnly,
                Constraints.NONE, 3600L), DEV, book.nextSeq(), T0, LIMITS), T0);
        assertThat(stored.createdLeases()).singleElement().satisfies(l -> assertThat(l.provider()).isEqualTo(a));
        Prices tooLow = new Prices(Wei.ZERO, Wei.ZERO, Wei.ZERO, Wei.of(4999));
        Outcome refused = book.place(Bid.open(new BidSpec(BidKind.STORAGE, new Resources(0, 0, 10), 1, tooLow,
                Constraints.NONE, 3600L), DEV, book.nextSeq(), T0, LIMITS), T0);
        assertThat(refused.createdLeases()).isEmpty();
        assertThat(book.unmatchedReasons(refused.newBids().get(0).id(), T0))
                .containsExactly(UnmatchedReason.MAX_PRICE_BELOW_EVERY_ASK);
    }

    @Test
    void aRestingStorageBidIsServedByANewProviderWhateverItsCpuAsk() {
        Prices storageOnly = new Prices(Wei.ZERO, Wei.ZERO, Wei.ZERO, Wei.of(100));
        Outcome resting = book.place(Bid.open(new BidSpec(BidKind.STORAGE, new Resources(0, 0, 10), 1, storageOnly,
                Constraints.NONE, 3600L), DEV, book.nextSeq(), T0, LIMITS), T0);
        assertThat(resting.createdLeases()).isEmpty();
        Address late = addr(7);
        book.register(late, "http://p7:8090", "eu", Map.of(), T0);
        // a high CPU ask must not hide the storage bid from the rescan of resting bids
        Outcome offered = book.publishOffer(late, BIG, price(1_000_000), T0);
        assertThat(offered.createdLeases()).singleElement().satisfies(l -> assertThat(l.provider()).isEqualTo(late));
    }

    @Test
    void honoursRegionAndRequiredAttributes() {
        provider(1, "us", 100, BIG, Map.of("runtime.runc", "true"));
        Address eu = provider(2, "eu", 500, BIG, Map.of("runtime.runc", "true", "gpu", "none"));
        Outcome wrongRegion = bid(DEV, REPLICA, 1, 1000, new Constraints("ap", Map.of()), T0);
        assertThat(book.unmatchedReasons(wrongRegion.newBids().get(0).id(), T0))
                .containsExactly(UnmatchedReason.NO_PROVIDER_IN_REGION);
        Outcome missingAttribute = bid(DEV, REPLICA, 1, 1000, new Constraints("eu", Map.of("gpu", "a100")), T0);
        assertThat(book.unmatchedReasons(missingAttribute.newBids().get(0).id(), T0))
                .containsExactly(UnmatchedReason.NO_PROVIDER_WITH_ATTRIBUTES);
        Outcome ok = bid(DEV, REPLICA, 1, 1000, new Constraints("eu", Map.of("runtime.runc", "true")), T0);
        assertThat(ok.createdLeases()).extracting(Lease::provider).containsExactly(eu);
    }

    @Test
    void aBidStaysOffTheProvidersItAvoidsEvenWhenTheyAreCheapest() {
        Address cheapest = provider(1, "eu", 100, BIG, Map.of());
        Address other = provider(2, "eu", 500, BIG, Map.of());
        Outcome placed = bid(DEV, REPLICA, 1, 1000, Constraints.NONE.avoiding(List.of(cheapest)), T0);
        assertThat(placed.createdLeases()).extracting(Lease::provider).containsExactly(other);
        // with every acceptable provider avoided the bid rests, and says why
        Outcome resting = bid(DEV, REPLICA, 1, 1000, new Constraints("eu", Map.of(), Set.of(cheapest, other)), T0);
        assertThat(resting.createdLeases()).isEmpty();
        assertThat(book.unmatchedReasons(resting.newBids().get(0).id(), T0))
                .containsExactly(UnmatchedReason.NOT_ENOUGH_DISTINCT_PROVIDERS);
        // a provider that joins later is not avoided: capacity it offers goes to the resting bid
        Address late = addr(3);
        book.register(late, "http://p3:8090", "eu", Map.of(), T0);
        assertThat(book.publishOffer(late, BIG, price(300), T0).createdLeases()).extracting(Lease::provider)
                .containsExactly(late);
    }

    @Test
    void reservesCapacityAtomicallySoItIsNeverSoldTwice() {
        provider(1, "eu", 100, new Resources(1000, 1024, 0), Map.of());
        assertThat(bid(DEV, new Resources(600, 512, 0), 1, 1000, Constraints.NONE, T0).createdLeases()).hasSize(1);
        Outcome second = bid(DEV2, new Resources(600, 512, 0), 1, 1000, Constraints.NONE, T0);
        assertThat(second.createdLeases()).isEmpty();
        assertThat(book.unmatchedReasons(second.newBids().get(0).id(), T0))
                .containsExactly(UnmatchedReason.INSUFFICIENT_CAPACITY);
        assertThat(book.offers(T0).get(0).free()).isEqualTo(new Resources(400, 512, 0));
    }

    @Test
    void closingALeaseFreesItsCapacityForTheEarliestRestingBid() {
        provider(1, "eu", 100, new Resources(1000, 1024, 0), Map.of());
        Lease held = bid(DEV, new Resources(1000, 1024, 0), 1, 1000, Constraints.NONE, T0).createdLeases().get(0);
        Bid earlier = bid(DEV2, new Resources(1000, 1024, 0), 1, 1000, Constraints.NONE, T0).newBids().get(0);
        Bid later = bid(DEV, new Resources(1000, 1024, 0), 1, 5000, Constraints.NONE, T0).newBids().get(0);
        Outcome closed = book.close(held.id(), DEV, "done", T0.plusSeconds(1));
        assertThat(closed.closedLeases()).extracting(Lease::id).containsExactly(held.id());
        assertThat(closed.createdLeases()).singleElement().extracting(Lease::bidId).isEqualTo(earlier.id());
        assertThat(book.isOpen(later.id())).isTrue();
    }

    @Test
    void onlyAPartyMayCloseALease() {
        provider(1, 100);
        Lease lease = bid(1, 1000).createdLeases().get(0);
        assertThatThrownBy(() -> book.close(lease.id(), DEV2, "mine now", T0)).isInstanceOf(AccessDeniedException.class);
        assertThat(book.activeLease(lease.id())).isPresent();
        assertThat(book.close(lease.id(), addr(1), "maintenance", T0).closedLeases()).hasSize(1);
    }

    @Test
    void aSilentProviderGetsNoNewLeasesUntilItHeartbeatsAgain() {
        provider(1, 100);
        Instant later = T0.plus(TIMEOUT);
        Outcome outcome = bid(DEV, REPLICA, 1, 1000, Constraints.NONE, later);
        assertThat(outcome.createdLeases()).isEmpty();
        assertThat(book.unmatchedReasons(outcome.newBids().get(0).id(), later))
                .containsExactly(UnmatchedReason.NO_PROVIDER_AVAILABLE);
        Outcome back = book.heartbeat(addr(1), null, later);
        assertThat(back.createdLeases()).singleElement().extracting(Lease::bidId).isEqualTo(outcome.newBids().get(0).id());
    }

    @Test
    void neverLeasesMoreThanTheAgentReportsFree() {
        provider(1, 100);
        book.heartbeat(addr(1), new Resources(400, 4096, 0), T0);
        assertThat(bid(1, 1000).createdLeases()).isEmpty();
        Outcome more = book.heartbeat(addr(1), new Resources(4000, 8192, 0), T0);
        assertThat(more.createdLeases()).hasSize(1);
    }

    @Test
    void aNewOfferServesRestingBidsInTimePriority() {
        Bid first = bid(1, 1000).newBids().get(0);
        Bid richerButLater = bid(DEV2, REPLICA, 1, 5000, Constraints.NONE, T0).newBids().get(0);
        Bid tooCheap = bid(DEV, REPLICA, 1, 10, Constraints.NONE, T0).newBids().get(0);
        Address a = addr(1);
        book.register(a, "http://a", "eu", Map.of(), T0);
        Outcome offered = book.publishOffer(a, REPLICA, price(100), T0);
        assertThat(offered.createdLeases()).singleElement().extracting(Lease::bidId).isEqualTo(first.id());
        assertThat(book.isOpen(richerButLater.id())).isTrue();
        assertThat(book.isOpen(tooCheap.id())).isTrue();
        Outcome grown = book.publishOffer(a, REPLICA.times(3), price(100), T0);
        assertThat(grown.createdLeases()).singleElement().extracting(Lease::bidId).isEqualTo(richerButLater.id());
        assertThat(book.unmatchedReasons(tooCheap.id(), T0)).containsExactly(UnmatchedReason.MAX_PRICE_BELOW_EVERY_ASK);
    }

    @Test
    void expiresBidsWhenTheirTimeToLiveRunsOut() {
        BidSpec spec = new BidSpec(null, REPLICA, 1, max(1000), null, 60L);
        Bid bid = book.place(Bid.open(spec, DEV, book.nextSeq(), T0, LIMITS), T0).newBids().get(0);
        assertThat(book.expire(T0.plusSeconds(59)).changedBids()).isEmpty();
        Outcome expired = book.expire(T0.plusSeconds(60));
        assertThat(expired.changedBids()).singleElement().extracting(Bid::status).isEqualTo(BidStatus.EXPIRED);
        provider(1, 100);
        assertThat(book.activeLeaseCount()).isZero();
    }

    @Test
    void aCancelledBidStopsRestingButItsLeasesStay() {
        provider(1, 100);
        Outcome outcome = bid(2, 1000);
        Bid bid = outcome.newBids().get(0);
        assertThatThrownBy(() -> book.cancel(bid.id(), DEV2, T0)).isInstanceOf(AccessDeniedException.class);
        Outcome cancelled = book.cancel(bid.id(), DEV, T0);
        assertThat(cancelled.changedBids().get(0).status()).isEqualTo(BidStatus.CANCELLED);
        assertThat(book.activeLeaseCount()).isEqualTo(1);
        provider(2, 100);
        assertThat(book.activeLeaseCount()).isEqualTo(1);
    }

    @Test
    void rejectsBidsOutsideTheRules() {
        assertThatThrownBy(() -> Bid.open(new BidSpec(null, new Resources(0, 512, 0), 1, max(1), null, 60L), DEV, 1, T0, LIMITS))
                .isInstanceOf(InvalidBidException.class).hasMessageContaining("more than zero CPU");
        assertThatThrownBy(() -> Bid.open(new BidSpec(null, REPLICA, 17, max(1), null, 60L), DEV, 1, T0, LIMITS))
                .isInstanceOf(InvalidBidException.class).hasMessageContaining("replicas must be from 1 to 16");
        assertThatThrownBy(() -> Bid.open(new BidSpec(null, REPLICA, 0, max(1), null, 60L), DEV, 1, T0, LIMITS))
                .isInstanceOf(InvalidBidException.class);
        assertThatThrownBy(() -> Bid.open(new BidSpec(null, REPLICA, 1, max(1), null, 8 * 86400L), DEV, 1, T0, LIMITS))
                .isInstanceOf(InvalidBidException.class).hasMessageContaining("ttlSeconds");
        assertThatThrownBy(() -> Bid.open(new BidSpec(null, REPLICA, 1, null, null, 60L), DEV, 1, T0, LIMITS))
                .isInstanceOf(InvalidBidException.class).hasMessageContaining("maxPrices");
        assertThatThrownBy(() -> Bid.open(new BidSpec(BidKind.STORAGE, REPLICA, 1, max(1), null, 60L), DEV, 1, T0, LIMITS))
                .isInstanceOf(InvalidBidException.class).hasMessageContaining("storage");
        assertThatThrownBy(() -> Bid.open(new BidSpec(null, REPLICA, 1, max(1), new Constraints("EU WEST", null), 60L), DEV, 1,
                T0, LIMITS)).isInstanceOf(InvalidBidException.class).hasMessageContaining("region");
    }

    @Test
    void aRestoredBookMatchesExactlyAsTheOriginalWould() {
        provider(1, "eu", 100, new Resources(1000, 1024, 0), Map.of());
        Lease held = bid(DEV, new Resources(1000, 1024, 0), 1, 1000, Constraints.NONE, T0).createdLeases().get(0);
        Bid resting = bid(DEV2, new Resources(1000, 1024, 0), 1, 1000, Constraints.NONE, T0).newBids().get(0);

        OrderBook restored = new OrderBook(TIMEOUT);
        restored.restoreProvider(book.registered(addr(1)).orElseThrow());
        restored.restoreLease(held);
        restored.restoreOpenBid(resting, List.of());
        assertThat(restored.matchAfterRestore(T0).isEmpty()).isTrue();
        assertThat(restored.offers(T0)).isEqualTo(book.offers(T0));
        assertThat(restored.nextSeq()).isGreaterThan(resting.seq());
        Outcome closed = restored.close(held.id(), DEV, "done", T0);
        assertThat(closed.createdLeases()).singleElement().extracting(Lease::bidId).isEqualTo(resting.id());
    }
}
