package cloud.agora.functions.domain.deployment;

import cloud.agora.protocol.market.BidStatus;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One deployment of one version: a bid in the marketplace and the replicas (leases) it got.
 *
 * @param status  PENDING while replicas are missing and the bid is open, ACTIVE once every
 *                replica has a lease, FAILED when the bid ended (expired or cancelled) short
 *                of replicas, WITHDRAWN when the developer removed it
 * @param reasons the marketplace's unmatched reasons while PENDING
 * @param replicas how many replicas it should have now: the order's, or, when it scales, the latest decision's
 * @param scaling  its bounds and latest scaling decisions when its replicas follow its load, else null
 */
public record Deployment(UUID id, String function, int version, UUID bidId, int replicas, Status status,
        List<String> reasons, List<Replica> placed, Instant createdAt, Instant updatedAt, Autoscaling.View scaling) {

    /** The states of a deployment. */
    public enum Status {
        PENDING, ACTIVE, FAILED, WITHDRAWN;

        /** Whether the marketplace can still change this deployment. */
        public boolean followsBid() {
            return this == PENDING || this == ACTIVE;
        }
    }

    /**
     * One replica: the lease, the provider's agent serving it, the lease's prices (null on rows recorded before prices
     * were kept; usage then has no charge estimate), the lease's resources (its CPU quota and memory limit: what a
     * receipt may claim) and the lease's owner (who pays: the grant's consumer). Resources and owner are null on rows
     * recorded before they were kept; the version's resources (what the bid asked for) and the function's owner
     * stand in for them ({@link #resourcesOr}, {@link #ownerOr}).
     */
    public record Replica(UUID leaseId, String provider, String endpoint, Prices prices, Resources resources, String owner) {

        /** The lease's resources, or {@code fallback} on a row recorded before they were kept. */
        public Resources resourcesOr(Resources fallback) {
            return resources == null ? fallback : resources;
        }

        /** The lease's owner, or {@code fallback} on a row recorded before it was kept. */
        public String ownerOr(String fallback) {
            return owner == null ? fallback : owner;
        }
    }

    /** The status a bid implies for a deployment of {@code replicas} replicas. */
    public static Status statusOf(BidView bid, int replicas) {
        if (bid.matchedReplicas() >= replicas) {
            return Status.ACTIVE;
        }
        return bid.status() == BidStatus.OPEN ? Status.PENDING : Status.FAILED;
    }

    /** This deployment as the bid now stands. */
    public Deployment following(BidView bid, List<Replica> replicasNow, Instant now) {
        // the first bid decides the status; replicas added or lost later are the replacement bids' business
        Status next = statusOf(bid, bid.replicas());
        List<String> why = next == Status.ACTIVE || bid.unmatchedReasons() == null ? List.of()
                : bid.unmatchedReasons().stream().map(Enum::name).toList();
        return new Deployment(id, function, version, bidId, replicas, next, why, List.copyOf(replicasNow), createdAt, now,
                scaling);
    }
}
