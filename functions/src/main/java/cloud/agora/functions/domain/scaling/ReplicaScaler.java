package cloud.agora.functions.domain.scaling;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.deployment.Autoscaling;
import cloud.agora.functions.domain.deployment.Deployment;
import cloud.agora.functions.domain.deployment.FunctionDeployer;
import cloud.agora.functions.domain.deployment.Marketplace;
import cloud.agora.functions.domain.deployment.ScalingPolicy;
import cloud.agora.functions.domain.invocation.InvocationRouter;
import cloud.agora.functions.domain.invocation.ReplicaWaker;
import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.functions.persistence.DeploymentStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.support.auth.SignInService;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.ObservesAsync;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.jboss.logging.Logger;

/**
 * Makes the replicas of deployments that declare {@link Autoscaling} follow their load. Every
 * {@code agora.functions.scaling.interval} it samples each ACTIVE scaled deployment's calls in flight (sent by this
 * gateway to its replicas and not yet answered) and asks its {@link ScalingPolicy}:
 *
 * <ul>
 *   <li><b>up</b>: the decision is recorded with the deployment's new replica count, then the deployment is refreshed,
 *       which bids for the missing replicas as for lost ones (the developer's bid, avoiding the providers of the
 *       replicas it has: one replica per provider where possible);</li>
 *   <li><b>down</b>: the decision is recorded, the replica with the fewest calls in flight (the newest of equals) is
 *       taken out of routing at once and <em>drains</em>: its lease is closed for the developer (reason
 *       {@code scaled-down}) once no call of this gateway is in flight on it, or at the deadline (the governed longest
 *       timeout and 5 s), so that no call is cut by a scale-down.</li>
 * </ul>
 */
@ApplicationScoped
public class ReplicaScaler implements ReplicaWaker {

    private static final Logger LOG = Logger.getLogger(ReplicaScaler.class);
    static final String SCALED_DOWN = "scaled-down";

    private final DeploymentStore deployments;
    private final FunctionDeployer deployer;
    private final InvocationRouter router;
    private final Marketplace marketplace;
    private final SignInService signIn;
    private final ManagedExecutor executor;
    private final Clock clock;
    private final Duration upWindow;
    private final Duration routingCacheTtl;
    private final FunctionRules rules;
    private final Event<Waking> wakings;
    private final Map<UUID, Tracked> policies = new ConcurrentHashMap<>();
    /** Calls waiting for a replica of a deployment that had none, by deployment. */
    private final Map<UUID, CompletableFuture<Void>> waking = new ConcurrentHashMap<>();

    /**
     * A call arrived for a scaled deployment with no replica: one replica is decided (from zero) and bid for at once,
     * as for a scale-up; the call waits until the deployment lists it ({@link #tick} looks every interval).
     */
    @Override
    public CompletionStage<Void> wake(Deployment deployment) {
        return waking.computeIfAbsent(deployment.id(), id -> {
            if (deployment.replicas() == 0 && deployments.scale(id, 0, 1, "a call arrived with no replica",
                    clock.instant())) {
                LOG.infof("deployment %s of %s: 0 → 1 replica (a call arrived with no replica)", id, deployment.function());
            }
            CompletableFuture<Void> woken = new CompletableFuture<>();
            // bid off the caller's thread: what bidding can fail with ends the wait (no replica), never the call itself
            wakings.fireAsync(new Waking(id, woken));
            return woken;
        });
    }

    /** A deployment to bid for because a call woke it, and the calls' wait. */
    record Waking(UUID deploymentId, CompletableFuture<Void> woken) {
    }

    void bid(@ObservesAsync Waking waking) {
        try {
            deployer.replaceLostReplicas(waking.deploymentId());
        } catch (RuntimeException e) {
            // the calls waiting fail now; the next call wakes it again
            LOG.warnf("bidding for a replica of %s: %s (again at the next call)", waking.deploymentId(), e.getMessage());
            this.waking.remove(waking.deploymentId(), waking.woken());
            waking.woken().completeExceptionally(e);
        }
    }

    /** A deployment's policy and the replica count it last saw: a count changed elsewhere starts it afresh. */
    private record Tracked(ScalingPolicy policy, int replicas) {
    }

    /** When each scaled deployment short of replicas was last refreshed from the marketplace. */
    private final Map<UUID, Instant> refreshedAt = new ConcurrentHashMap<>();
    /** How often a scaled deployment short of replicas is refreshed (a replacement bid matched later). */
    static final Duration REFRESH_SHORT = Duration.ofSeconds(2);

    public ReplicaScaler(DeploymentStore deployments, FunctionDeployer deployer, InvocationRouter router,
            Marketplace marketplace, SignInService signIn, ManagedExecutor executor, FunctionsConfig config,
            FunctionRules rules, Clock clock, Event<Waking> wakings) {
        this.deployments = deployments;
        this.deployer = deployer;
        this.router = router;
        this.marketplace = marketplace;
        this.signIn = signIn;
        this.executor = executor;
        this.clock = clock;
        this.upWindow = config.scaling().upWindow();
        this.routingCacheTtl = config.routingCacheTtl();
        this.rules = rules;
        this.wakings = wakings;
    }

    @Scheduled(every = "${agora.functions.scaling.interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        Instant now = clock.instant();
        finishDrains(now);
        List<DeploymentStore.Scaled> scaled = deployments.autoscaled();
        Set<UUID> live = new HashSet<>();
        for (DeploymentStore.Scaled d : scaled) {
            live.add(d.deploymentId());
            if (d.placed().size() > d.replicas()) {
                // more replicas than decided (a replacement bid matched after a scale-down): give up one
                giveUpOne(d, now);
                continue;
            }
            if (d.placed().size() < d.replicas()) {
                refreshShort(d, now);
            }
            if (d.replicas() == 0 || waking.containsKey(d.deploymentId())) {
                policies.remove(d.deploymentId()); // calls, not the policy, bring it back; then it starts afresh
                continue;
            }
            int inFlight = d.placed().stream().mapToInt(r -> router.inFlight(r.leaseId())).sum();
            Tracked tracked = policies.get(d.deploymentId());
            if (tracked == null || tracked.replicas() != d.replicas()) { // new, or decided elsewhere
                tracked = new Tracked(new ScalingPolicy(upWindow), d.replicas());
                policies.put(d.deploymentId(), tracked);
            }
            Optional<ScalingPolicy.Decision> decision = tracked.policy().sample(now, inFlight, d.replicas(), d.bounds(),
                    rules.scaleDownAfter());
            if (decision.isPresent()) {
                policies.put(d.deploymentId(), new Tracked(tracked.policy(), decision.get().replicas()));
                apply(d, decision.get(), now);
            }
        }
        refreshedAt.keySet().retainAll(live);
        policies.keySet().retainAll(live);
        for (DeploymentStore.Scaled d : scaled) {
            if (!d.placed().isEmpty()) {
                CompletableFuture<Void> woken = waking.remove(d.deploymentId());
                if (woken != null) {
                    woken.complete(null);
                }
            }
        }
        // a deployment that ended while calls waited: they read it again (and find it gone)
        waking.keySet().removeIf(id -> {
            if (live.contains(id)) {
                return false;
            }
            waking.get(id).complete(null);
            return true;
        });
    }

    private void apply(DeploymentStore.Scaled d, ScalingPolicy.Decision decision, Instant now) {
        if (!deployments.scale(d.deploymentId(), d.replicas(), decision.replicas(), decision.reason(), now)) {
            return; // another decision, or the deployment ended, came first
        }
        LOG.infof("deployment %s of %s: %d → %d replicas (%s)", d.deploymentId(), d.function(), d.replicas(),
                decision.replicas(), decision.reason());
        if (decision.replicas() > d.replicas()) {
            refresh(d.deploymentId(), now); // bids for the replicas added
        } else if (d.placed().size() > decision.replicas()) {
            giveUpOne(d, now);
        }
    }

    /**
     * Refreshes a deployment short of replicas from the marketplace, at most every {@link #REFRESH_SHORT}: a replacement
     * bid that rested and matched later joins routing, and one that is missing is placed.
     */
    private void refreshShort(DeploymentStore.Scaled d, Instant now) {
        Instant last = refreshedAt.get(d.deploymentId());
        if (last != null && now.isBefore(last.plus(REFRESH_SHORT))) {
            return;
        }
        refresh(d.deploymentId(), now);
    }

    /** Refreshes the deployment from the marketplace off the tick, placing a bid for the replicas it misses. */
    private void refresh(UUID deploymentId, Instant now) {
        refreshedAt.put(deploymentId, now);
        executor.execute(() -> {
            try {
                deployer.replaceLostReplicas(deploymentId);
            } catch (RuntimeException e) {
                // a tick while it is short of replicas tries again
                LOG.warnf("refreshing %s, short of replicas: %s", deploymentId, e.getMessage());
            }
        });
    }

    /** Takes the replica with the fewest calls in flight (the newest of equals) out of routing; it drains. */
    private void giveUpOne(DeploymentStore.Scaled d, Instant now) {
        List<Deployment.Replica> placed = d.placed();
        Deployment.Replica chosen = placed.get(placed.size() - 1);
        for (Deployment.Replica r : placed) {
            if (router.inFlight(r.leaseId()) < router.inFlight(chosen.leaseId())) {
                chosen = r;
            }
        }
        // no call of the version outlasts the longest timeout allowed, and its answer 5 s more
        Instant deadline = now.plus(rules.inEffect().maxTimeout()).plusSeconds(5);
        if (deployments.drain(d.deploymentId(), chosen.leaseId(), Address.parse(d.owner()), deadline,
                now.plus(routingCacheTtl).plusSeconds(1), now)) {
            LOG.infof("deployment %s of %s: replica on lease %s drains", d.deploymentId(), d.function(), chosen.leaseId());
        }
    }

    /** Closes the leases of draining replicas with nothing in flight, or past their deadline. */
    private void finishDrains(Instant now) {
        for (DeploymentStore.Drain drain : deployments.drains()) {
            // another instance of this service may have routed to it until its routing cache expired: not before then
            boolean quiet = !now.isBefore(drain.notBefore()) && router.inFlight(drain.leaseId()) == 0;
            if (!quiet && now.isBefore(drain.deadline())) {
                continue;
            }
            try {
                marketplace.closeLease(signIn.issueOnBehalfOf(drain.owner()).token(), drain.leaseId(), SCALED_DOWN);
                deployments.drained(drain.leaseId());
            } catch (RuntimeException e) {
                LOG.warnf("closing drained lease %s: %s (again at the next tick)", drain.leaseId(), e.getMessage());
            }
        }
    }
}
