package cloud.agora.marketplace.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidStatus;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.Constraints;
import cloud.agora.protocol.market.UnmatchedReason;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A developer's bid: {@code replicas} placements of {@code resources}, each on a distinct
 * provider, at asks no higher than {@code maxPrices}.
 *
 * @param seq    time priority (earlier bids are served first when capacity appears)
 * @param broker the storage gateway that placed this bid for its owner (who pays), or null when the owner placed it
 */
public record Bid(
        UUID id,
        long seq,
        Address owner,
        BidKind kind,
        Resources resources,
        int replicas,
        int matchedReplicas,
        Prices maxPrices,
        Constraints constraints,
        BidStatus status,
        Instant createdAt,
        Instant expiresAt,
        Instant closedAt,
        Address broker) {

    /** The most providers one bid may avoid (constraints.avoidProviders). */
    public static final int MAX_AVOIDED_PROVIDERS = 64;

    /** Limits a new bid must respect. */
    public record Limits(int maxReplicas, Duration maxLifetime, Duration defaultLifetime) {
    }

    /**
     * A new open bid from a developer's spec, placed by {@code bidder}: its owner, or the broker of the spec's payer
     * (whether the bidder may broker is the caller's check).
     *
     * @throws InvalidBidException when the spec breaks a rule (nothing is created)
     */
    public static Bid open(BidSpec spec, Address bidder, long seq, Instant now, Limits limits) {
        if (spec == null) {
            throw new InvalidBidException("the body must be a bid");
        }
        BidKind kind = spec.kind() == null ? BidKind.COMPUTE : spec.kind();
        boolean brokered = spec.payer() != null && !spec.payer().equals(bidder);
        if (brokered && kind != BidKind.STORAGE) {
            throw new InvalidBidException("only a storage bid names a payer other than its bidder");
        }
        Address owner = brokered ? spec.payer() : bidder;
        Address broker = brokered ? bidder : null;
        Resources resources = spec.resources();
        if (resources == null) {
            throw new InvalidBidException("resources are required: {cpuMillis, memoryMiB, storageGiB}");
        }
        if (kind == BidKind.COMPUTE && (resources.cpuMillis() == 0 || resources.memoryMiB() == 0)) {
            throw new InvalidBidException("a compute bid needs more than zero CPU and memory per replica");
        }
        if (kind == BidKind.STORAGE && resources.storageGiB() == 0) {
            throw new InvalidBidException("a storage bid needs more than zero storage per replica");
        }
        int replicas = spec.replicas() == null ? 1 : spec.replicas();
        if (replicas < 1 || replicas > limits.maxReplicas()) {
            throw new InvalidBidException("replicas must be from 1 to " + limits.maxReplicas() + ", got " + replicas);
        }
        Prices max = spec.maxPrices();
        if (max == null || max.perVcpuSecond() == null) {
            throw new InvalidBidException("maxPrices are required: {perVcpuSecond, perGiBSecond, perInvocation, perGiBMonth}");
        }
        Constraints constraints = spec.constraints() == null ? Constraints.NONE : spec.constraints();
        if (constraints.region() != null && !Names.isRegion(constraints.region())) {
            throw new InvalidBidException("region must be 1-32 lower-case letters, digits or '-': " + constraints.region());
        }
        Names.checkAttributes(constraints.attributes(), InvalidBidException::new);
        if (constraints.avoidProviders().size() > MAX_AVOIDED_PROVIDERS) {
            throw new InvalidBidException("a bid may avoid at most " + MAX_AVOIDED_PROVIDERS + " providers, got "
                    + constraints.avoidProviders().size());
        }
        if (constraints.minScore() != null && (constraints.minScore() < 0 || constraints.minScore() > 1000)) {
            throw new InvalidBidException("minScore must be from 0 to 1000, got " + constraints.minScore());
        }
        Double maxFailureRate = constraints.maxFailureRate();
        if (maxFailureRate != null && !(maxFailureRate >= 0 && maxFailureRate <= 1)) {
            throw new InvalidBidException("maxFailureRate must be from 0 to 1, got " + maxFailureRate);
        }
        Duration lifetime = spec.ttlSeconds() == null ? limits.defaultLifetime() : Duration.ofSeconds(spec.ttlSeconds());
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(limits.maxLifetime()) > 0) {
            throw new InvalidBidException("ttlSeconds must be from 1 to " + limits.maxLifetime().toSeconds());
        }
        return new Bid(UUID.randomUUID(), seq, owner, kind, resources, replicas, 0, max, constraints, BidStatus.OPEN, now,
                now.plus(lifetime), null, broker);
    }

    /**
     * Whether a provider asking {@code ask} is within this bid's maximum prices, for the prices this kind of bid
     * pays: a compute bid pays CPU, memory and invocations (not storage), a storage bid pays GiB-months only.
     */
    public boolean affords(Prices ask) {
        if (kind == BidKind.STORAGE) {
            return ask.perGiBMonth().compareTo(maxPrices.perGiBMonth()) <= 0;
        }
        return ask.perVcpuSecond().compareTo(maxPrices.perVcpuSecond()) <= 0
                && ask.perGiBSecond().compareTo(maxPrices.perGiBSecond()) <= 0
                && ask.perInvocation().compareTo(maxPrices.perInvocation()) <= 0;
    }

    /**
     * The highest CPU price this bid accepts, for the order book's CPU-price index: a storage bid does not pay CPU,
     * so any CPU ask is within it.
     */
    public Wei cpuCeiling() {
        return kind == BidKind.STORAGE ? new Wei(Wei.MAX_UINT256) : maxPrices.perVcpuSecond();
    }

    public Bid withProgress(int matched, BidStatus newStatus, Instant closedAt) {
        return new Bid(id, seq, owner, kind, resources, replicas, matched, maxPrices, constraints, newStatus, createdAt,
                expiresAt, closedAt, broker);
    }

    /** Whether {@code address} may see and cancel this bid: its owner, or the gateway that brokered it. */
    public boolean isHeldBy(Address address) {
        return owner.equals(address) || address.equals(broker);
    }

    /** The bid as its owner sees it. */
    public BidView view(List<UUID> leaseIds, List<UnmatchedReason> reasons) {
        return new BidView(id, owner, kind, resources, replicas, matchedReplicas, maxPrices, constraints, status, createdAt,
                expiresAt, leaseIds, reasons);
    }
}
