package cloud.agora.marketplace.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.market.BidStatus;
import cloud.agora.protocol.market.Constraints;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.PreviewConstraint;
import cloud.agora.protocol.market.UnmatchedReason;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The order book and its matching engine: providers' offers, resting bids and active leases,
 * all in memory. Pure logic, no I/O and no locks: exactly one owner ({@code MarketDesk})
 * calls it, one command at a time, and records each command's {@link Outcome}.
 *
 * <p>Matching rules:
 * <ul>
 *   <li>A provider can serve a replica when it has an offer, is available (heard from within
 *       the heartbeat timeout), is in the bid's region (if any), has every required attribute,
 *       asks no more than the bid's maximum for every unit price, has the replica's resources
 *       free, and holds no other replica of the same bid.</li>
 *   <li>A provider must also meet the bid's reliability constraints (minimum reputation score, maximum failure
 *       rate), by the reputation the book was last given ({@link #reliability}).</li>
 *   <li>A new bid takes the cheapest such providers for its resources first, then the higher reputation score,
 *       then the earlier offer; one replica per provider.</li>
 *   <li>When capacity appears at a provider (new or changed offer, a lease closed, the
 *       provider back from silence, more free capacity reported, a better reputation), resting bids it can serve
 *       get it in time priority (earlier bid first).</li>
 *   <li>A lease is at the provider's asking prices; its resources are reserved at once.</li>
 * </ul>
 *
 * <p>Invariant: a resting bid cannot be served by any available provider except through a
 * capacity change at that provider, so rescans only ever look at the provider that changed.
 * Resting bids are indexed by region and by maximum CPU price, so a rescan touches only bids
 * that could afford the provider's CPU ask.
 */
public final class OrderBook {

    private static final String ANY_REGION = "";
    private static final Comparator<OpenBid> BY_TIME = Comparator.comparingLong(b -> b.bid.seq());
    /** Highest CPU price first, then time: a rescan reads the prefix that can afford the ask. */
    private static final Comparator<OpenBid> BY_CPU_PRICE = Comparator
            .comparing((OpenBid b) -> b.bid.cpuCeiling(), Comparator.reverseOrder())
            .thenComparing(BY_TIME);
    private static final Comparator<OpenBid> BY_EXPIRY = Comparator
            .comparing((OpenBid b) -> b.bid.expiresAt()).thenComparing(BY_TIME);

    private Duration heartbeatTimeout;
    private final Map<Address, ProviderSlot> providers = new HashMap<>();
    private final Map<String, List<ProviderSlot>> providersByRegion = new HashMap<>();
    private final Map<UUID, OpenBid> openBids = new HashMap<>();
    private final Map<String, NavigableSet<OpenBid>> restingByRegion = new HashMap<>();
    private final NavigableSet<OpenBid> byExpiry = new TreeSet<>(BY_EXPIRY);
    private final Map<UUID, Lease> activeLeases = new HashMap<>();
    private long lastSeq;

    public OrderBook(Duration heartbeatTimeout) {
        this.heartbeatTimeout = heartbeatTimeout;
    }

    // ---------------------------------------------------------------- loading (restart recovery)

    /** Restores a provider as recorded. Load providers, then active leases, then open bids. */
    public void restoreProvider(Provider provider) {
        ProviderSlot slot = new ProviderSlot(provider);
        providers.put(provider.address(), slot);
        providersByRegion.computeIfAbsent(provider.region(), r -> new ArrayList<>()).add(slot);
        if (provider.offer() != null) {
            lastSeq = Math.max(lastSeq, provider.offer().seq());
        }
    }

    /** Restores the providers' reputation as last computed (matching after the restore takes it into account). */
    public void restoreReliability(Map<Address, Reliability> reliabilities) {
        reliabilities.forEach((address, reliability) -> {
            ProviderSlot slot = providers.get(address);
            if (slot != null) {
                slot.reliability = reliability;
            }
        });
    }

    /** Every registered provider as its reputation needs it (when it registered, when it was last heard from). */
    public Map<Address, Presence> presence() {
        Map<Address, Presence> presence = new HashMap<>();
        Map<Address, Long> active = new HashMap<>();
        activeLeases.values().forEach(l -> active.merge(l.provider(), 1L, Long::sum));
        providers.forEach((address, slot) -> presence.put(address, Presence.of(slot.provider,
                active.getOrDefault(address, 0L))));
        return presence;
    }

    /** Restores an active lease: its resources stay reserved. */
    public void restoreLease(Lease lease) {
        activeLeases.put(lease.id(), lease);
        ProviderSlot slot = providers.get(lease.provider());
        slot.reserved = slot.reserved.plus(lease.resources());
    }

    /** Restores an open bid with the providers already holding its replicas. */
    public void restoreOpenBid(Bid bid, Collection<Address> matchedProviders) {
        OpenBid open = new OpenBid(bid);
        open.matchedProviders.addAll(matchedProviders);
        rest(open);
        lastSeq = Math.max(lastSeq, bid.seq());
    }

    /**
     * Matches whatever can match after a restore (nothing, if the book was consistent when
     * recorded; something if, e.g., a crash came between a capacity change and its rescan).
     */
    public Outcome matchAfterRestore(Instant now) {
        Changes changes = new Changes();
        for (ProviderSlot slot : new ArrayList<>(providers.values())) {
            offerCapacity(slot, now, changes);
        }
        return changes.outcome();
    }

    /** The next time-priority number (bids and offers share one sequence). */
    public long nextSeq() {
        return ++lastSeq;
    }

    /** Changes how long a silent provider stays available (a governed parameter). */
    public void heartbeatTimeout(Duration timeout) {
        this.heartbeatTimeout = timeout;
    }

    public Duration heartbeatTimeout() {
        return heartbeatTimeout;
    }

    // ---------------------------------------------------------------- provider commands

    /** Registers a provider or updates its endpoint, region and attributes. */
    public Outcome register(Address address, String endpoint, String region, Map<String, String> attributes, Instant now) {
        Changes changes = new Changes();
        ProviderSlot slot = providers.get(address);
        if (slot == null) {
            slot = new ProviderSlot(new Provider(address, endpoint, region, attributes, now, null, null, null));
            providers.put(address, slot);
            providersByRegion.computeIfAbsent(region, r -> new ArrayList<>()).add(slot);
        } else {
            Provider p = slot.provider;
            if (!p.region().equals(region)) {
                providersByRegion.get(p.region()).remove(slot);
                providersByRegion.computeIfAbsent(region, r -> new ArrayList<>()).add(slot);
            }
            slot.provider = new Provider(address, endpoint, region, attributes, p.registeredAt(), p.offer(),
                    p.lastHeartbeatAt(), p.reportedFree());
        }
        changes.provider(slot);
        offerCapacity(slot, now, changes);
        return changes.outcome();
    }

    /** Publishes (or replaces) a provider's offer; it counts as a sign of life. */
    public Outcome publishOffer(Address address, Resources capacity, cloud.agora.protocol.resources.Prices prices,
            Instant now) {
        ProviderSlot slot = provider(address);
        Changes changes = new Changes();
        Provider p = slot.provider;
        slot.provider = new Provider(address, p.endpoint(), p.region(), p.attributes(), p.registeredAt(),
                new Offer(capacity, prices, now, nextSeq()), now, p.reportedFree());
        changes.provider(slot);
        changes.publishedOffers.put(address, slot);
        offerCapacity(slot, now, changes);
        return changes.outcome();
    }

    /** Records a heartbeat with the free capacity the agent reports (null: not reported). */
    public Outcome heartbeat(Address address, Resources reportedFree, Instant now) {
        ProviderSlot slot = provider(address);
        Changes changes = new Changes();
        Resources freeBefore = slot.free(now, heartbeatTimeout);
        Provider p = slot.provider;
        if (p.lastHeartbeatAt() != null && now.isAfter(p.lastHeartbeatAt().plus(heartbeatTimeout))) {
            // heard from again after a silence: what went beyond the heartbeat timeout counts as down
            long down = Duration.between(p.lastHeartbeatAt().plus(heartbeatTimeout), now).toMillis();
            changes.downMillis.merge(address, down, Long::sum);
        }
        slot.provider = new Provider(address, p.endpoint(), p.region(), p.attributes(), p.registeredAt(), p.offer(), now,
                reportedFree == null ? p.reportedFree() : reportedFree);
        changes.provider(slot);
        if (!slot.free(now, heartbeatTimeout).fitsIn(freeBefore)) {
            offerCapacity(slot, now, changes);
        }
        return changes.outcome();
    }

    /**
     * Gives the book the providers' reputation as last computed; a provider not named keeps what it had (a new one
     * has {@link Reliability#UNKNOWN}). A provider whose reputation improved offers its free capacity to resting bids
     * again, since a reliability constraint may now let them match.
     */
    public Outcome reliability(Map<Address, Reliability> reliabilities, Instant now) {
        Changes changes = new Changes();
        for (Map.Entry<Address, Reliability> entry : reliabilities.entrySet()) {
            ProviderSlot slot = providers.get(entry.getKey());
            if (slot == null) {
                continue;
            }
            Reliability before = slot.reliability;
            slot.reliability = entry.getValue();
            if (slot.reliability.betterThan(before)) {
                offerCapacity(slot, now, changes);
            }
        }
        return changes.outcome();
    }

    /** A provider's reputation as the book last heard it. */
    public Reliability reliability(Address provider) {
        ProviderSlot slot = providers.get(provider);
        return slot == null ? Reliability.UNKNOWN : slot.reliability;
    }

    // ---------------------------------------------------------------- bid commands

    /** Places a new bid (status OPEN, no replicas matched) and matches what it can at once. */
    public Outcome place(Bid bid, Instant now) {
        Changes changes = new Changes();
        OpenBid open = new OpenBid(bid);
        changes.newBids.put(bid.id(), bid);
        List<ProviderSlot> candidates = new ArrayList<>();
        for (ProviderSlot slot : candidateProviders(bid)) {
            if (slot.canServe(open, now, heartbeatTimeout)) {
                candidates.add(slot);
            }
        }
        Comparator<ProviderSlot> cheapestFirst = cheapestFirst(bid);
        if (open.remaining() == 1 && candidates.size() > 1) {
            // the common case, one replica: the cheapest candidate, without sorting them all
            ProviderSlot best = candidates.get(0);
            for (ProviderSlot slot : candidates) {
                if (cheapestFirst.compare(slot, best) < 0) {
                    best = slot;
                }
            }
            lease(open, best, now, changes);
        } else {
            candidates.sort(cheapestFirst);
            for (ProviderSlot slot : candidates) {
                if (open.remaining() == 0) {
                    break;
                }
                lease(open, slot, now, changes);
            }
        }
        if (open.remaining() > 0) {
            rest(open);
        }
        changes.newBids.put(bid.id(), open.bid);
        return changes.outcome();
    }

    /** Withdraws an open bid; leases it already produced stay active. */
    public Outcome cancel(UUID bidId, Address caller, Instant now) {
        OpenBid open = openBids.get(bidId);
        if (open == null) {
            throw new IllegalStateException("bid " + bidId + " is not open");
        }
        if (!open.bid.owner().equals(caller)) {
            throw new AccessDeniedException("bid", bidId, caller);
        }
        Changes changes = new Changes();
        unrest(open);
        open.bid = open.bid.withProgress(open.bid.matchedReplicas(), BidStatus.CANCELLED, now);
        changes.changedBids.put(bidId, open.bid);
        return changes.outcome();
    }

    /** Expires every open bid whose time to live has run out by {@code now}. */
    public Outcome expire(Instant now) {
        Changes changes = new Changes();
        while (!byExpiry.isEmpty() && !byExpiry.first().bid.expiresAt().isAfter(now)) {
            OpenBid open = byExpiry.first();
            unrest(open);
            open.bid = open.bid.withProgress(open.bid.matchedReplicas(), BidStatus.EXPIRED, now);
            changes.changedBids.put(open.bid.id(), open.bid);
        }
        return changes.outcome();
    }

    /** Whether the bid still rests in the book. */
    public boolean isOpen(UUID bidId) {
        return openBids.containsKey(bidId);
    }

    // ---------------------------------------------------------------- lease commands

    /**
     * Closes an active lease on behalf of one of its parties, frees its capacity and gives it
     * to resting bids. (Who closed it and why is evidence of the provider's reputation, which the
     * {@code ReputationLedger} keeps.)
     */
    public Outcome close(UUID leaseId, Address by, String reason, Instant now) {
        Lease lease = activeLeases.get(leaseId);
        if (lease == null) {
            throw new IllegalStateException("lease " + leaseId + " is not active");
        }
        if (!lease.isParty(by)) {
            throw new AccessDeniedException("lease", leaseId, by);
        }
        Changes changes = new Changes();
        activeLeases.remove(leaseId);
        Lease closed = lease.close(by, reason, now);
        changes.closedLeases.add(closed);
        ProviderSlot slot = providers.get(lease.provider());
        slot.reserved = slot.reserved.minusFloored(lease.resources());
        changes.provider(slot);
        offerCapacity(slot, now, changes);
        return changes.outcome();
    }

    public Optional<Lease> activeLease(UUID leaseId) {
        return Optional.ofNullable(activeLeases.get(leaseId));
    }

    // ---------------------------------------------------------------- queries

    /** Why an open bid has unmatched replicas, most specific first; empty if it is not open. */
    public List<UnmatchedReason> unmatchedReasons(UUID bidId, Instant now) {
        OpenBid open = openBids.get(bidId);
        if (open == null) {
            return List.of();
        }
        return unmatchedReasons(open, now);
    }

    /**
     * What {@code bid} would get if it were placed now, changing nothing: the providers that meet every constraint in
     * the order {@link #place} takes them, how many replicas would be leased, and for each constraint how many of the
     * providers with an offer it excludes (each judged on its own).
     */
    public BidPreview preview(Bid bid, Instant now) {
        OpenBid open = new OpenBid(bid);
        Constraints constraints = bid.constraints();
        Prices max = bid.maxPrices();
        Map<PreviewConstraint, Integer> excluded = new EnumMap<>(PreviewConstraint.class);
        List<ProviderSlot> matching = new ArrayList<>();
        int withOffers = 0;
        for (ProviderSlot slot : providers.values()) {
            Offer offer = slot.provider.offer();
            if (offer == null) {
                continue;
            }
            withOffers++;
            Prices ask = offer.prices();
            boolean compute = bid.kind() != BidKind.STORAGE;
            Map<PreviewConstraint, Boolean> fails = new EnumMap<>(PreviewConstraint.class);
            fails.put(PreviewConstraint.AVAILABLE, !slot.isAvailable(now, heartbeatTimeout));
            fails.put(PreviewConstraint.REGION, constraints.region() != null && !constraints.region().equals(slot.provider.region()));
            fails.put(PreviewConstraint.ATTRIBUTES, !slot.hasAttributes(bid));
            fails.put(PreviewConstraint.MAX_PRICE_PER_VCPU_SECOND, compute && ask.perVcpuSecond().compareTo(max.perVcpuSecond()) > 0);
            fails.put(PreviewConstraint.MAX_PRICE_PER_GIB_SECOND, compute && ask.perGiBSecond().compareTo(max.perGiBSecond()) > 0);
            fails.put(PreviewConstraint.MAX_PRICE_PER_INVOCATION, compute && ask.perInvocation().compareTo(max.perInvocation()) > 0);
            fails.put(PreviewConstraint.MAX_PRICE_PER_GIB_MONTH, !compute && ask.perGiBMonth().compareTo(max.perGiBMonth()) > 0);
            fails.put(PreviewConstraint.AVOID_PROVIDERS, open.matchedProviders.contains(slot.provider.address()));
            fails.put(PreviewConstraint.MIN_SCORE, !slot.reliability.meets(constraints.minScore(), null));
            fails.put(PreviewConstraint.MAX_FAILURE_RATE, !slot.reliability.meets(null, constraints.maxFailureRate()));
            fails.put(PreviewConstraint.CAPACITY, !bid.resources().fitsIn(slot.capacityLeft()));
            boolean meetsAll = true;
            for (Map.Entry<PreviewConstraint, Boolean> fail : fails.entrySet()) {
                if (fail.getValue()) {
                    excluded.merge(fail.getKey(), 1, Integer::sum);
                    meetsAll = false;
                }
            }
            if (meetsAll) {
                matching.add(slot);
            }
        }
        matching.sort(cheapestFirst(bid));
        int wouldLease = Math.min(bid.replicas(), matching.size());
        List<BidPreview.MatchingOffer> offers = new ArrayList<>();
        for (int i = 0; i < matching.size(); i++) {
            ProviderSlot slot = matching.get(i);
            offers.add(new BidPreview.MatchingOffer(slot.provider.address(), slot.provider.region(),
                    slot.provider.offer().prices(), slot.reliability.known() ? slot.reliability.score() : null, i < wouldLease));
        }
        for (int i = 0; i < wouldLease; i++) { // as placed: the providers it leases count as used for the reasons
            open.matchedProviders.add(matching.get(i).provider.address());
        }
        List<BidPreview.Exclusion> exclusions = excluded.entrySet().stream()
                .map(e -> new BidPreview.Exclusion(e.getKey(), e.getValue(), e.getKey().description())).toList();
        return new BidPreview(bid.replicas(), wouldLease, withOffers, offers, exclusions,
                wouldLease < bid.replicas() ? unmatchedReasons(open, now) : List.of());
    }

    private static Comparator<ProviderSlot> cheapestFirst(Bid bid) {
        return Comparator.comparing((ProviderSlot s) -> s.rate(bid.resources()))
                .thenComparing(s -> -s.reliability.score())
                .thenComparingLong(s -> s.provider.offer().seq());
    }

    /** Why {@code open} has unmatched replicas now, most specific first (assuming it has some). */
    private List<UnmatchedReason> unmatchedReasons(OpenBid open, Instant now) {
        Bid bid = open.bid;
        List<ProviderSlot> available = providers.values().stream()
                .filter(s -> s.provider.offer() != null && s.isAvailable(now, heartbeatTimeout)).toList();
        if (available.isEmpty()) {
            return List.of(UnmatchedReason.NO_PROVIDER_AVAILABLE);
        }
        List<ProviderSlot> inRegion = available.stream()
                .filter(s -> bid.constraints().region() == null || bid.constraints().region().equals(s.provider.region()))
                .toList();
        if (inRegion.isEmpty()) {
            return List.of(UnmatchedReason.NO_PROVIDER_IN_REGION);
        }
        List<ProviderSlot> withAttributes = inRegion.stream().filter(s -> s.hasAttributes(bid)).toList();
        if (withAttributes.isEmpty()) {
            return List.of(UnmatchedReason.NO_PROVIDER_WITH_ATTRIBUTES);
        }
        List<ProviderSlot> affordable = withAttributes.stream()
                .filter(s -> bid.affords(s.provider.offer().prices())).toList();
        if (affordable.isEmpty()) {
            return List.of(UnmatchedReason.MAX_PRICE_BELOW_EVERY_ASK);
        }
        List<ProviderSlot> unused = affordable.stream()
                .filter(s -> !open.matchedProviders.contains(s.provider.address())).toList();
        if (unused.isEmpty()) {
            return List.of(UnmatchedReason.NOT_ENOUGH_DISTINCT_PROVIDERS);
        }
        if (unused.stream().noneMatch(s -> s.isReliableFor(bid))) {
            return List.of(UnmatchedReason.BELOW_RELIABILITY);
        }
        return List.of(UnmatchedReason.INSUFFICIENT_CAPACITY);
    }

    /** Every provider with an offer, as the market sees it now. */
    public List<ProviderState> offers(Instant now) {
        List<ProviderState> offers = new ArrayList<>();
        for (ProviderSlot slot : providers.values()) {
            if (slot.provider.offer() != null) {
                offers.add(new ProviderState(slot.provider, slot.free(now, heartbeatTimeout),
                        slot.isAvailable(now, heartbeatTimeout), slot.reliability));
            }
        }
        offers.sort(Comparator.comparing(s -> s.provider().address().value()));
        return offers;
    }

    public Optional<ProviderState> provider(Address address, Instant now) {
        ProviderSlot slot = providers.get(address);
        return slot == null ? Optional.empty()
                : Optional.of(new ProviderState(slot.provider, slot.free(now, heartbeatTimeout),
                        slot.isAvailable(now, heartbeatTimeout), slot.reliability));
    }

    /** A registered provider as recorded (no time-dependent state). */
    public Optional<Provider> registered(Address address) {
        ProviderSlot slot = providers.get(address);
        return slot == null ? Optional.empty() : Optional.of(slot.provider);
    }

    /** Active leases held by a provider. */
    public List<Lease> activeLeasesOf(Address provider) {
        return activeLeases.values().stream().filter(l -> l.provider().equals(provider))
                .sorted(Comparator.comparing(Lease::createdAt)).toList();
    }

    public int restingBidCount() {
        return openBids.size();
    }

    public int activeLeaseCount() {
        return activeLeases.size();
    }

    /** A provider with what it has free now and whether it may get new leases. */
    public record ProviderState(Provider provider, Resources free, boolean available, Reliability reliability) {
    }

    // ---------------------------------------------------------------- matching internals

    private ProviderSlot provider(Address address) {
        ProviderSlot slot = providers.get(address);
        if (slot == null) {
            throw new ProviderNotFoundException(address);
        }
        return slot;
    }

    private Collection<ProviderSlot> candidateProviders(Bid bid) {
        String region = bid.constraints().region();
        return region == null ? providers.values() : providersByRegion.getOrDefault(region, List.of());
    }

    /** Gives capacity that appeared at {@code slot} to resting bids, earliest first. */
    private void offerCapacity(ProviderSlot slot, Instant now, Changes changes) {
        if (slot.provider.offer() == null || !slot.isAvailable(now, heartbeatTimeout)
                || slot.free(now, heartbeatTimeout).isNone()) {
            return;
        }
        Wei cpuAsk = slot.provider.offer().prices().perVcpuSecond();
        List<OpenBid> candidates = new ArrayList<>();
        collectAffordable(restingByRegion.get(slot.provider.region()), cpuAsk, candidates);
        collectAffordable(restingByRegion.get(ANY_REGION), cpuAsk, candidates);
        candidates.sort(BY_TIME);
        for (OpenBid open : candidates) {
            if (slot.canServe(open, now, heartbeatTimeout)) {
                lease(open, slot, now, changes);
                if (open.remaining() == 0) {
                    unrest(open);
                }
                if (slot.free(now, heartbeatTimeout).isNone()) {
                    return;
                }
            }
        }
    }

    private static void collectAffordable(NavigableSet<OpenBid> resting, Wei cpuAsk, List<OpenBid> into) {
        if (resting == null) {
            return;
        }
        for (OpenBid open : resting) {
            if (open.bid.cpuCeiling().compareTo(cpuAsk) < 0) {
                return;
            }
            into.add(open);
        }
    }

    private void lease(OpenBid open, ProviderSlot slot, Instant now, Changes changes) {
        Bid bid = open.bid;
        Lease lease = new Lease(UUID.randomUUID(), bid.id(), bid.owner(), slot.provider.address(), bid.kind(),
                bid.resources(), slot.provider.offer().prices(), LeaseState.ACTIVE, now, null, null, null, bid.broker());
        activeLeases.put(lease.id(), lease);
        changes.createdLeases.add(lease);
        slot.reserved = slot.reserved.plus(bid.resources());
        Provider p = slot.provider;
        if (p.reportedFree() != null) {
            // until the agent reports again, what it said was free is now partly taken
            slot.provider = new Provider(p.address(), p.endpoint(), p.region(), p.attributes(), p.registeredAt(),
                    p.offer(), p.lastHeartbeatAt(), p.reportedFree().minusFloored(bid.resources()));
        }
        changes.provider(slot);
        open.matchedProviders.add(slot.provider.address());
        int matched = bid.matchedReplicas() + 1;
        open.bid = bid.withProgress(matched, matched == bid.replicas() ? BidStatus.MATCHED : BidStatus.OPEN,
                matched == bid.replicas() ? now : null);
        changes.changedBids.put(bid.id(), open.bid);
    }

    private void rest(OpenBid open) {
        openBids.put(open.bid.id(), open);
        String region = open.bid.constraints().region() == null ? ANY_REGION : open.bid.constraints().region();
        restingByRegion.computeIfAbsent(region, r -> new TreeSet<>(BY_CPU_PRICE)).add(open);
        byExpiry.add(open);
    }

    private void unrest(OpenBid open) {
        openBids.remove(open.bid.id());
        String region = open.bid.constraints().region() == null ? ANY_REGION : open.bid.constraints().region();
        NavigableSet<OpenBid> resting = restingByRegion.get(region);
        if (resting != null) {
            resting.remove(open);
        }
        byExpiry.remove(open);
    }

    /** A bid resting in the book. Its sort keys (price, time, expiry) never change while it rests. */
    private static final class OpenBid {
        Bid bid;
        final Set<Address> matchedProviders = new HashSet<>();

        OpenBid(Bid bid) {
            this.bid = bid;
            // providers the bid avoids count as already used: the distinct-provider rule keeps the bid off them
            matchedProviders.addAll(bid.constraints().avoidProviders());
        }

        int remaining() {
            return bid.replicas() - bid.matchedReplicas();
        }
    }

    /** A provider and the resources its active leases reserve. */
    private static final class ProviderSlot {
        Provider provider;
        Resources reserved = Resources.NONE;
        Reliability reliability = Reliability.UNKNOWN;

        /** The last resource shape ranked here and its rate: function sizes repeat, offers change rarely. */
        private Resources ratedShape;
        private Offer ratedOffer;
        private BigInteger rate;

        ProviderSlot(Provider provider) {
            this.provider = provider;
        }

        BigInteger rate(Resources shape) {
            Offer offer = provider.offer();
            if (!shape.equals(ratedShape) || offer != ratedOffer) {
                rate = offer.prices().scaledRate(shape);
                ratedShape = shape;
                ratedOffer = offer;
            }
            return rate;
        }

        boolean isAvailable(Instant now, Duration timeout) {
            Instant last = provider.lastHeartbeatAt();
            return last != null && now.isBefore(last.plus(timeout));
        }

        Resources free(Instant now, Duration timeout) {
            if (provider.offer() == null || !isAvailable(now, timeout)) {
                return Resources.NONE;
            }
            return capacityLeft();
        }

        /** What its offer has left after its active leases (and at most what it last reported free), heard from or not. */
        Resources capacityLeft() {
            Resources free = provider.offer().capacity().minusFloored(reserved);
            return provider.reportedFree() == null ? free : free.min(provider.reportedFree());
        }

        boolean hasAttributes(Bid bid) {
            for (Map.Entry<String, String> required : bid.constraints().attributes().entrySet()) {
                if (!required.getValue().equals(provider.attributes().get(required.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        boolean isReliableFor(Bid bid) {
            return reliability.meets(bid.constraints().minScore(), bid.constraints().maxFailureRate());
        }

        boolean canServe(OpenBid open, Instant now, Duration timeout) {
            Bid bid = open.bid;
            return provider.offer() != null
                    && (bid.constraints().region() == null || bid.constraints().region().equals(provider.region()))
                    && bid.affords(provider.offer().prices())
                    && !open.matchedProviders.contains(provider.address())
                    && hasAttributes(bid)
                    && isReliableFor(bid)
                    && bid.resources().fitsIn(free(now, timeout));
        }
    }

    /** Collects what one command changed; providers are snapshotted when the outcome is built. */
    private static final class Changes {
        final Map<Address, ProviderSlot> providers = new LinkedHashMap<>();
        final Map<UUID, Bid> newBids = new LinkedHashMap<>();
        final Map<UUID, Bid> changedBids = new LinkedHashMap<>();
        final List<Lease> createdLeases = new ArrayList<>();
        final List<Lease> closedLeases = new ArrayList<>();
        final Map<Address, ProviderSlot> publishedOffers = new LinkedHashMap<>();
        final Map<Address, Long> downMillis = new LinkedHashMap<>();

        void provider(ProviderSlot slot) {
            providers.put(slot.provider.address(), slot);
        }

        Outcome outcome() {
            for (UUID id : newBids.keySet()) {
                changedBids.remove(id);
            }
            return new Outcome(
                    providers.values().stream().map(s -> s.provider).toList(),
                    List.copyOf(newBids.values()),
                    List.copyOf(changedBids.values()),
                    List.copyOf(createdLeases),
                    List.copyOf(closedLeases),
                    publishedOffers.values().stream().map(s -> s.provider).toList(),
                    List.of(), Map.copyOf(downMillis));
        }
    }
}
