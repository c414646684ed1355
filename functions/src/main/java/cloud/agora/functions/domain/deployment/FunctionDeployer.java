package cloud.agora.functions.domain.deployment;

import cloud.agora.functions.domain.catalog.FunctionCatalog;
import cloud.agora.functions.domain.catalog.FunctionVersion;
import cloud.agora.functions.domain.catalog.InvalidFunctionSpecException;
import cloud.agora.functions.domain.catalog.RegisteredFunction;
import cloud.agora.functions.domain.catalog.VersionNotFoundException;
import cloud.agora.functions.domain.invocation.CallAdmission;
import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.functions.persistence.DeploymentStore;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.Constraints;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.support.auth.SignInService;
import cloud.agora.support.problem.IdempotencyKeyReusedException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Deploys function versions by bidding in the marketplace (as the developer) and follows
 * the bids: a deployment is PENDING with the marketplace's reasons, ACTIVE on its providers,
 * or FAILED. Deploying a new version leaves the earlier deployments as they are, so the old
 * version keeps its replicas until the developer withdraws it; rollback is deploying an
 * earlier version. Marketplace calls are made outside any database transaction.
 */
@ApplicationScoped
public class FunctionDeployer {

    private final FunctionCatalog catalog;
    private final DeploymentStore deployments;
    private final Marketplace marketplace;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(FunctionDeployer.class);
    private final Clock clock;

    private final SignInService signIn;
    private final Billing billing;
    private final CallAdmission admission;
    private final FunctionRules rules;

    public FunctionDeployer(FunctionCatalog catalog, DeploymentStore deployments, Marketplace marketplace,
            SignInService signIn, Billing billing, CallAdmission admission, FunctionRules rules, Clock clock) {
        this.clock = clock;
        this.rules = rules;
        this.signIn = signIn;
        this.billing = billing;
        this.admission = admission;
        this.catalog = catalog;
        this.deployments = deployments;
        this.marketplace = marketplace;
    }

    /**
     * Places the bid for one version of the caller's function and records the deployment, once billing says it will
     * collect for the caller ({@link PaymentRequiredException} otherwise: nothing is bid for, nothing leased). A
     * version whose timeout is above the governed {@code functions.max-timeout} in effect is refused
     * ({@link InvalidFunctionSpecException}) before billing or the marketplace is asked.
     */
    public Deployment deploy(Address owner, String bearerToken, String name, DeploymentOrder order) {
        return deploy(owner, bearerToken, name, order, null).deployment();
    }

    /** A deployment as a deploy request answers it: made now, or made by an earlier request with the same key. */
    public record Deployed(Deployment deployment, boolean replayed) {
    }

    /**
     * Deploys, idempotently when the developer sends a key ({@code Idempotency-Key}): the first request with the key
     * makes the deployment; a repeat with the same key and the same order answers that deployment (placing its bid
     * again, with the bid's own key, if its answer was never recorded) and makes nothing; the key with another order is
     * refused ({@link IdempotencyKeyReusedException}) and changes nothing.
     *
     * @param requestKey the developer's key, or null (every request then deploys)
     */
    public Deployed deploy(Address owner, String bearerToken, String name, DeploymentOrder order, String requestKey) {
        RegisteredFunction function = catalog.owned(owner, name);
        order.check();
        String digest = requestKey == null ? null : digest(name, order);
        if (requestKey != null) {
            Optional<DeploymentRequest> earlier = deployments.requested(owner, requestKey);
            if (earlier.isPresent()) {
                return replay(owner, bearerToken, name, requestKey, digest, earlier.get());
            }
        }
        List<FunctionVersion> versions = catalog.versions(owner, name);
        FunctionVersion version = order.version() == null ? versions.get(versions.size() - 1)
                : versions.stream().filter(v -> v.version() == order.version()).findFirst()
                        .orElseThrow(() -> new VersionNotFoundException(name, order.version()));
        rules.inEffect().checkTimeout(name, version);
        int replicas = order.initialReplicas();
        CreditView credit = billing.credit(bearerToken, owner);
        // billing's answer is its newest decision: calls follow it now (its event, already published, may lag)
        admission.creditDecided(owner.value(), credit.paused(), clock.instant(), "credit-check-" + UUID.randomUUID(),
                credit.spendable());
        if (credit.paused()) {
            throw new PaymentRequiredException(name, credit);
        }
        BidSpec bid = new BidSpec(BidKind.COMPUTE, new Resources(version.cpuMillis(), version.memoryMiB(), 0), replicas,
                order.maxPrices(), order.constraints() == null ? Constraints.NONE : order.constraints(), order.ttlSeconds());
        // recorded before the marketplace is asked: if the answer is lost (or this process dies before recording it),
        // the bid is placed again with this key and the marketplace answers the bid it already placed
        BidIntent intent = BidIntent.deployment(function.id(), name, owner, version.version(), replicas, bid, clock.instant());
        if (requestKey == null) {
            deployments.intend(intent, order.scaling());
        } else {
            DeploymentRequest recorded = deployments.intendRequested(intent, requestKey, digest, order.scaling());
            if (!recorded.intent().key().equals(intent.key())) {
                // a request with the same key recorded its intent first: this one follows it
                return replay(owner, bearerToken, name, requestKey, digest, recorded);
            }
        }
        return new Deployed(placeDeployment(bearerToken, intent), false);
    }

    private Deployed replay(Address owner, String bearerToken, String name, String requestKey, String digest,
            DeploymentRequest earlier) {
        if (!earlier.requestDigest().equals(digest)) {
            throw new IdempotencyKeyReusedException(requestKey, "deployment", earlier.intent().deploymentId());
        }
        if (earlier.refused() != null) {
            throw new BidRefusedException(earlier.refused());
        }
        if (earlier.bidId() != null) {
            return new Deployed(get(owner, bearerToken, name, earlier.intent().deploymentId()), true);
        }
        return new Deployed(placeDeployment(bearerToken, earlier.intent()), true);
    }

    /** What a deploy request asks for, as a digest: a key's repeat must ask the same. */
    private static String digest(String name, DeploymentOrder order) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (name + "\n" + JsonCodec.write(order)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Places a deployment's intended bid (again) with its key and records the deployment it creates. */
    private Deployment placeDeployment(String bearerToken, BidIntent intent) {
        BidView placed = placeIntended(bearerToken, intent);
        Deployment pending = new Deployment(intent.deploymentId(), intent.functionName(), intent.version(), placed.id(),
                intent.replicas(), Deployment.Status.PENDING, List.of(), List.of(), clock.instant(), clock.instant(),
                deployments.scaling(intent.deploymentId()).orElse(null));
        Deployment deployment = pending.following(placed, replicas(bearerToken, placed), clock.instant());
        deployments.recordDeployment(intent, deployment);
        return deployment;
    }

    /**
     * Places an intended bid with its key. A refusal (4xx: nothing was placed) closes the intent; when the marketplace
     * cannot be reached or fails the intent stays open, to be placed again with the same key.
     */
    private BidView placeIntended(String bearerToken, BidIntent intent) {
        try {
            return marketplace.placeBid(bearerToken, intent.spec(), intent.key());
        } catch (BidRefusedException refused) {
            deployments.intentRefused(intent.key(), refused.getMessage(), clock.instant());
            throw refused;
        }
    }

    /**
     * Places again, each with its own key and body, the bids recorded as intended before {@code before} whose answer
     * was never recorded (the marketplace could not be reached, or this process stopped between placing and
     * recording), and records what they placed: a deployment's bid creates its deployment, a replacement joins its
     * deployment, and a replacement whose deployment no longer follows its bids is withdrawn (bid cancelled, leases
     * closed). The marketplace answers an already placed bid for its key, so this never places a bid twice. Each bid
     * is placed with a token the platform issues for its developer.
     *
     * @return how many intents were resolved (placed or refused)
     */
    public int resumeIntendedBids(java.time.Instant before) {
        int resolved = 0;
        for (BidIntent intent : deployments.openIntents(before)) {
            try {
                resume(signIn.issueOnBehalfOf(intent.owner()).token(), intent);
                resolved++;
            } catch (BidRefusedException refused) {
                resolved++;
                LOG.warnf("intended bid %s of %s was refused: %s", intent.key(), intent.functionName(), refused.getMessage());
            } catch (RuntimeException e) {
                LOG.warnf("intended bid %s of %s stays open: %s", intent.key(), intent.functionName(), e.getMessage());
            }
        }
        return resolved;
    }

    @io.quarkus.scheduler.Scheduled(every = "${agora.functions.bid-resume-interval:30s}",
            concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    void resumeIntendedBids() {
        // intents younger than this are most likely still being placed by the request that recorded them
        resumeIntendedBids(clock.instant().minusSeconds(10));
    }

    private void resume(String bearerToken, BidIntent intent) {
        if (intent.purpose() == BidIntent.Purpose.DEPLOYMENT) {
            placeDeployment(bearerToken, intent);
            return;
        }
        boolean follows = deployments.list(intent.functionId(), intent.functionName()).stream()
                .anyMatch(d -> d.id().equals(intent.deploymentId()) && d.status().followsBid());
        BidView placed = placeIntended(bearerToken, intent);
        if (follows) {
            deployments.recordReplacement(intent, placed.id(), clock.instant());
        } else {
            withdraw(bearerToken, placed, "deployment of " + intent.functionName() + " withdrawn");
            deployments.intentPlaced(intent.key(), placed.id(), clock.instant());
        }
    }

    /** Cancels the bid if still open and closes every active lease it produced. */
    private void withdraw(String bearerToken, BidView bid, String reason) {
        if (bid.status() == cloud.agora.protocol.market.BidStatus.OPEN) {
            marketplace.cancelBid(bearerToken, bid.id());
        }
        for (Deployment.Replica replica : replicas(bearerToken, bid)) {
            marketplace.closeLease(bearerToken, replica.leaseId(), reason);
        }
    }

    /** The caller's deployments of {@code name}, newest first, each brought up to date with its bid. */
    public List<Deployment> list(Address owner, String bearerToken, String name) {
        RegisteredFunction function = catalog.owned(owner, name);
        List<Deployment> out = new ArrayList<>();
        for (Deployment d : deployments.list(function.id(), name)) {
            out.add(refreshed(bearerToken, function, d));
        }
        return out;
    }

    /** One deployment of the caller's function, up to date. */
    public Deployment get(Address owner, String bearerToken, String name, UUID id) {
        RegisteredFunction function = catalog.owned(owner, name);
        return deployments.list(function.id(), name).stream().filter(d -> d.id().equals(id)).findFirst()
                .map(d -> refreshed(bearerToken, function, d)).orElseThrow(() -> new DeploymentNotFoundException(name, id));
    }

    /**
     * Deletes the caller's function after withdrawing every deployment still following its
     * bid: open bids are cancelled and active leases closed, so no provider keeps capacity
     * for a function that no longer exists.
     */
    public void retire(Address owner, String bearerToken, String name) {
        RegisteredFunction function = catalog.owned(owner, name);
        // a bid intended but not recorded may be placed: place it (its key makes that a look-up if it was) so that
        // it is recorded, then withdrawn below with the rest
        for (BidIntent intent : deployments.openIntentsOf(function.id())) {
            try {
                resume(bearerToken, intent);
            } catch (BidRefusedException refused) {
                // refused: nothing was placed, nothing to withdraw (the intent is closed)
            }
        }
        for (Deployment d : deployments.list(function.id(), name)) {
            if (!d.status().followsBid()) {
                continue;
            }
            BidView bid = marketplace.bid(bearerToken, d.bidId());
            if (bid.status() == cloud.agora.protocol.market.BidStatus.OPEN) {
                marketplace.cancelBid(bearerToken, bid.id());
            }
            for (Deployment.Replica replica : replicas(bearerToken, bid)) {
                marketplace.closeLease(bearerToken, replica.leaseId(), "function " + name + " deleted");
            }
            for (UUID extra : deployments.replacementBids(d.id())) {
                BidView replacement = marketplace.bid(bearerToken, extra);
                if (replacement.status() == cloud.agora.protocol.market.BidStatus.OPEN) {
                    marketplace.cancelBid(bearerToken, replacement.id());
                }
                for (Deployment.Replica replica : replicas(bearerToken, replacement)) {
                    marketplace.closeLease(bearerToken, replica.leaseId(), "function " + name + " deleted");
                }
            }
            deployments.update(new Deployment(d.id(), d.function(), d.version(), d.bidId(), d.replicas(),
                    Deployment.Status.WITHDRAWN, List.of(), List.of(), d.createdAt(), clock.instant(), d.scaling()));
        }
        catalog.delete(owner, name);
    }

    /**
     * Gives up the replicas served by an agent that has failed every health probe for too long: closes each
     * of their leases for the developer (reason {@code provider-unreachable}; the developer stops paying for
     * it), takes the replica out, and bids for a replacement. Whoever removes the replica first — this or the
     * lease follower seeing the {@code LeaseClosed} — places the one replacement bid.
     */
    public void abandonReplicasAt(String endpoint) {
        List<UUID> leases = deployments.leasesAt(endpoint);
        LOG.infof("the agent at %s failed every health probe for too long: giving up its %d replica(s)", endpoint,
                leases.size());
        for (UUID leaseId : leases) {
            for (UUID deploymentId : deployments.dropLease(leaseId, clock.instant())) {
                deployments.functionOf(deploymentId).ifPresent(function -> {
                    String token = signIn.issueOnBehalfOf(Address.parse(function.getKey())).token();
                    try {
                        marketplace.closeLease(token, leaseId, "provider-unreachable");
                    } catch (RuntimeException e) {
                        // out of routing already; the lease may have closed meanwhile
                        LOG.warnf("closing lease %s of an unreachable agent: %s", leaseId, e.getMessage());
                    }
                });
                replaceLostReplicas(deploymentId);
            }
        }
    }

    /**
     * Replaces the replicas a deployment lost, right when its lease closed (the lease follower calls this):
     * the replacement bid must belong to the developer who pays, so it is placed with a short-lived token the
     * platform issues for the developer ({@link SignInService#issueOnBehalfOf}) — the same token a sign-in
     * would give, limited to this one refresh. A deployment that no longer follows its bid is left alone.
     */
    public void replaceLostReplicas(UUID deploymentId) {
        var function = deployments.functionOf(deploymentId);
        if (function.isEmpty()) {
            return;
        }
        Address owner = Address.parse(function.get().getKey());
        String name = function.get().getValue();
        RegisteredFunction row = catalog.owned(owner, name);
        String token = signIn.issueOnBehalfOf(owner).token();
        deployments.list(row.id(), name).stream().filter(d -> d.id().equals(deploymentId)).findFirst()
                .ifPresent(d -> refreshed(token, row, d));
    }

    /**
     * The deployment as its bids now stand. A deployment that was matched but has lost replicas
     * since (a lease closed: the lease follower already took it out of routing) gets a
     * replacement bid for the missing ones — same resources, max prices and constraints — placed
     * with the developer's token, because bids and leases must belong to the developer who pays: at
     * once when the lease follower sees the lease close ({@link #replaceLostReplicas}), and again at
     * any later read if the marketplace could not be reached then; the surviving replicas keep serving. The replacement
     * is recorded as intended with its idempotency key first; an intended replacement whose answer was never recorded is
     * placed again as it was (same key, same body), so the marketplace answers that bid instead of leasing twice.
     */
    private Deployment refreshed(String bearerToken, RegisteredFunction function, Deployment d) {
        if (!d.status().followsBid()) {
            return d;
        }
        BidView bid = marketplace.bid(bearerToken, d.bidId());
        // a replica a scale-down is giving up stays out of routing while its calls end
        java.util.Set<UUID> draining = deployments.draining(d.id());
        List<Deployment.Replica> placed = new ArrayList<>(replicas(bearerToken, bid));
        boolean replacementOpen = false;
        List<String> replacementReasons = List.of();
        for (UUID extra : deployments.replacementBids(d.id())) {
            BidView replacement = marketplace.bid(bearerToken, extra);
            placed.addAll(replicas(bearerToken, replacement));
            if (replacement.status() == cloud.agora.protocol.market.BidStatus.OPEN) {
                replacementOpen = true;
                replacementReasons = replacement.unmatchedReasons() == null ? List.of()
                        : replacement.unmatchedReasons().stream().map(Enum::name).toList();
            }
        }
        placed.removeIf(r -> draining.contains(r.leaseId()));
        Deployment now = d.following(bid, placed, clock.instant());
        int missing = d.replicas() - placed.size();
        if (now.status() == Deployment.Status.ACTIVE && missing > 0 && !replacementOpen) {
            // the replacement stays off the providers that hold the other replicas (one provider's failure must
            // not take several replicas of one deployment)
            Constraints constraints = (bid.constraints() == null ? Constraints.NONE : bid.constraints())
                    .avoiding(placed.stream().map(r -> Address.parse(r.provider())).toList());
            // one open intent per deployment: an earlier one whose answer was never recorded is placed again as it was
            BidIntent intent = deployments.intendReplacement(BidIntent.replacement(d.id(), function.id(), d.function(),
                    function.owner(), new BidSpec(bid.kind(), bid.resources(), missing, bid.maxPrices(), constraints, null),
                    clock.instant()));
            BidView replacement = placeIntended(bearerToken, intent);
            deployments.recordReplacement(intent, replacement.id(), clock.instant());
            placed.addAll(replicas(bearerToken, replacement));
            replacementReasons = replacement.unmatchedReasons() == null || placed.size() >= d.replicas() ? List.of()
                    : replacement.unmatchedReasons().stream().map(Enum::name).toList();
            now = d.following(bid, placed, clock.instant());
        }
        if (now.status() == Deployment.Status.ACTIVE && !replacementReasons.isEmpty()) {
            now = new Deployment(now.id(), now.function(), now.version(), now.bidId(), now.replicas(), now.status(),
                    replacementReasons, now.placed(), now.createdAt(), now.updatedAt(), now.scaling());
        }
        if (!now.status().equals(d.status()) || !now.placed().equals(d.placed()) || !now.reasons().equals(d.reasons())) {
            deployments.update(now);
        }
        return now;
    }

    private List<Deployment.Replica> replicas(String bearerToken, BidView bid) {
        List<Deployment.Replica> out = new ArrayList<>();
        for (UUID leaseId : bid.leaseIds() == null ? List.<UUID>of() : bid.leaseIds()) {
            LeaseView lease = marketplace.lease(bearerToken, leaseId);
            if (lease.state() == LeaseState.ACTIVE) {
                out.add(new Deployment.Replica(lease.id(), lease.provider().checksummed(), lease.providerEndpoint(),
                        lease.prices(), lease.resources(), lease.owner() == null ? null : lease.owner().checksummed()));
            }
        }
        return out;
    }
}
