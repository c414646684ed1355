package cloud.agora.functions.domain.invocation;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.catalog.FunctionNotFoundException;
import cloud.agora.functions.domain.catalog.FunctionRegistrar;
import cloud.agora.functions.domain.catalog.FunctionVersion;
import cloud.agora.functions.domain.catalog.InvalidFunctionSpecException;
import cloud.agora.functions.domain.catalog.RegisteredFunction;
import cloud.agora.functions.domain.catalog.SecretSealer;
import cloud.agora.functions.domain.deployment.Deployment;
import cloud.agora.functions.domain.deployment.ReplicaHealth;
import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.functions.domain.observation.CallObserver;
import cloud.agora.functions.domain.observation.CallTraces;
import cloud.agora.functions.domain.observation.FunctionMeters;
import cloud.agora.functions.domain.recording.InvocationRecorder;
import cloud.agora.functions.domain.recording.ReceiptWitness;
import cloud.agora.functions.persistence.DeploymentStore;
import cloud.agora.functions.persistence.FunctionStore;
import cloud.agora.functions.persistence.RoutingEpoch;
import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.invocation.InvocationReply;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.protocol.usage.ReceiptBounds;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The synchronous invocation gateway's rules. A call goes to a replica of the function's
 * newest ACTIVE deployment (so a new version that is still pending leaves the old one
 * serving), least outstanding requests first. A replica whose agent cannot be reached is
 * skipped and the next one tried — safe because the call never started there; once an agent
 * was reached, the call is never repeated elsewhere. At most {@code maxConcurrency} calls of
 * one function are in flight in this gateway; more are refused with 429. Replicas whose agent
 * fails its health checks ({@link ReplicaHealth}) are skipped, and so are replicas whose endpoint the
 * {@link EndpointGuard} refuses (nothing is sent to them). Each attempt carries its own grant ({@link GrantIssuer}) for
 * exactly that invocation on that replica's lease. Every answered call is recorded
 * ({@link InvocationRecorder}: usage, stderr, the gateway's witness of the receipt) right after the agent's answer
 * and before the caller's — a function error's stderr and usage are kept too. A call whose body, or whose version's
 * timeout, is above the governed limits in effect ({@link FunctionRules}) is refused before anything is sent or
 * recorded.
 */
@ApplicationScoped
public class InvocationRouter {

    /**
     * A finished call: the ids the response carries and the function's output; an HTTP-mode function's own status and
     * headers (null and empty for an exec-mode one).
     */
    public record Invocation(UUID invocationId, String provider, UUID leaseId, int version, String status, int exitCode,
            byte[] body, Integer httpStatus, Map<String, List<String>> headers) {
    }

    private final FunctionStore functions;
    private final DeploymentStore deployments;
    private final Agents agents;
    private final SecretSealer sealer;
    private final InvocationRecorder recorder;
    private final Duration recordWait;
    private final ReplicaHealth health;
    private final RoutingEpoch epoch;
    private final long targetTtlNanos;
    private final FunctionRules rules;
    /** Where each function's calls go, as read at an epoch, until a deadline (System.nanoTime). */
    private final ConcurrentHashMap<String, CachedTarget> targets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, AtomicInteger> outstanding = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Limit> limits = new ConcurrentHashMap<>();

    private record Limit(int permits, Semaphore semaphore) {
    }

    private record CachedTarget(Target target, long epoch, long until) {
    }

    /** More cached targets than this and the cache starts over (names of deleted functions do not pile up). */
    private static final int MAX_CACHED_TARGETS = 10_000;

    private final GrantIssuer grants;
    private final SpendingBudget budget;
    private final EndpointGuard guard;
    private final Clock clock;
    private final CallObserver observer;
    private final FunctionMeters meters;
    private final CallTraces traces;
    private final Duration leaseWait;
    private final Duration wakeTimeout;
    private final ReplicaWaker waker;

    public InvocationRouter(FunctionStore functions, DeploymentStore deployments, Agents agents, FunctionRegistrar registrar,
            InvocationRecorder recorder, ReplicaHealth health, RoutingEpoch epoch, GrantIssuer grants, SpendingBudget budget,
            EndpointGuard guard, FunctionRules rules, FunctionsConfig config, Clock clock, CallObserver observer,
            FunctionMeters meters, CallTraces traces, ReplicaWaker waker) {
        this.observer = observer;
        this.meters = meters;
        this.traces = traces;
        this.grants = grants;
        this.budget = budget;
        this.guard = guard;
        this.clock = clock;
        this.health = health;
        this.epoch = epoch;
        this.targetTtlNanos = config.routingCacheTtl().toNanos();
        this.functions = functions;
        this.deployments = deployments;
        this.agents = agents;
        this.sealer = registrar.sealer();
        this.recorder = recorder;
        this.recordWait = config.recordWait();
        this.rules = rules;
        this.leaseWait = config.scaling().leaseWait();
        this.wakeTimeout = config.scaling().wakeTimeout();
        this.waker = waker;
    }

    /**
     * Runs call {@code invocationId} of function {@code name} and waits for it (an async invocation keeps its
     * id across attempts, so an agent that already ran it refuses to run it again). Never on an event loop.
     */
    public Invocation invoke(UUID invocationId, String name, String method, String path, String query,
            Map<String, String> headers, byte[] body) {
        try {
            return call(invocationId, target(name, body.length), method, path, query, headers, body).toCompletableFuture()
                    .join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * Starts call {@code invocationId} of {@code target} without blocking: the stage completes with the
     * function's answer, or fails with the problem that ends the call (429 over the function's concurrency,
     * 503 when no replica can be reached or the gateway is overloaded, 502/504 for the function's failure).
     */
    public CompletionStage<Invocation> call(UUID invocationId, Target target, String method, String path, String query,
            Map<String, String> headers, byte[] body) {
        String name = target.function().name();
        FunctionVersion version = target.version();
        if (recorder.overloaded()) {
            return CompletableFuture.failedFuture(InvocationFailedException.gatewayOverloaded(
                    "too many answered calls wait to be recorded; retry shortly", Map.of("function", name)));
        }
        Semaphore limit = limits.compute(name, (k, l) -> l != null && l.permits() == version.maxConcurrency() ? l
                : new Limit(version.maxConcurrency(), new Semaphore(version.maxConcurrency()))).semaphore();
        if (!limit.tryAcquire()) {
            return CompletableFuture.failedFuture(InvocationFailedException.concurrencyLimitReached(
                    "function '" + name + "' already runs " + version.maxConcurrency() + " calls",
                    Map.of("function", name, "maxConcurrency", version.maxConcurrency())));
        }
        CompletionStage<Invocation> done;
        try {
            List<Deployment.Replica> replicas = new ArrayList<>(target.deployment().placed().stream()
                    .filter(r -> health.healthy(r.endpoint())).toList());
            replicas.sort(Comparator.comparingInt(r -> load(r.leaseId()).get()));
            InvocationCall call = new InvocationCall(null, invocationId, null, version.runtime(), version.bundleCid(),
                    version.command(), method, path, query, headers, body, (long) version.timeoutMillis(), target.env(),
                    version.mode());
            done = attemptUntilHeld(target, call, replicas, System.nanoTime() + leaseWait.toNanos());
        } catch (RuntimeException e) {
            limit.release();
            return CompletableFuture.failedFuture(e);
        }
        done.whenComplete((ok, failed) -> limit.release());
        return done;
    }

    /** What a call of a function would run on: the function, its newest ACTIVE deployment, that version and its env. */
    public record Target(RegisteredFunction function, Deployment deployment, FunctionVersion version,
            Map<String, String> env) {
    }

    /**
     * Where a call of {@code name} with a body of {@code bodyBytes} would go. What was read is kept
     * for {@code routing-cache-ttl} unless this instance changes a function or deployment meanwhile
     * ({@link RoutingEpoch}); another instance's change shows within that time. May read PostgreSQL.
     *
     * @throws InvocationFailedException 413 when the body is above the governed {@code functions.max-body-size}
     * @throws FunctionNotFoundException when there is no such function
     * @throws FunctionNotDeployedException when no deployment is ACTIVE
     * @throws InvalidFunctionSpecException when the version's timeout is above the governed {@code functions.max-timeout}
     */
    public Target target(String name, int bodyBytes) {
        long readAt = epoch.current();
        Optional<Target> cached = cachedTarget(name, bodyBytes);
        if (cached.isPresent()) {
            return cached.get();
        }
        Target target = read(name);
        if (targets.size() >= MAX_CACHED_TARGETS) {
            targets.clear();
        }
        targets.put(name, new CachedTarget(target, readAt, System.nanoTime() + targetTtlNanos));
        return allowed(target);
    }

    /**
     * {@link #target} when it is known without reading PostgreSQL (safe on an event loop), else empty. The body is
     * checked first, before anything is read.
     *
     * @throws InvocationFailedException 413 when the body is above the governed {@code functions.max-body-size}
     * @throws InvalidFunctionSpecException when the version's timeout is above the governed {@code functions.max-timeout}
     */
    public Optional<Target> cachedTarget(String name, int bodyBytes) {
        rules.inEffect().checkBody(name, bodyBytes);
        CachedTarget cached = targets.get(name);
        return cached != null && cached.epoch() == epoch.current() && System.nanoTime() - cached.until() < 0
                ? Optional.of(allowed(cached.target())) : Optional.empty();
    }

    /** {@code target}, unless its version's timeout is above the governed {@code functions.max-timeout} in effect. */
    private Target allowed(Target target) {
        rules.inEffect().checkTimeout(target.function().name(), target.version());
        return target;
    }

    private Target read(String name) {
        RegisteredFunction function = functions.find(name).orElseThrow(() -> new FunctionNotFoundException(name));
        List<Deployment> all = deployments.list(function.id(), name);
        Deployment active = routable(all).orElseGet(() -> woken(function, name, all));
        FunctionVersion version = functions.versions(function).stream().filter(v -> v.version() == active.version())
                .findFirst().orElseThrow();
        Map<String, String> env = new TreeMap<>();
        version.env().stream().filter(e -> !e.secret()).forEach(e -> env.put(e.name(), e.value()));
        env.putAll(functions.openSecrets(function, version.version(), sealer));
        return new Target(function, active, version, Map.copyOf(env));
    }

    private static Optional<Deployment> routable(List<Deployment> all) {
        return all.stream().filter(d -> d.status() == Deployment.Status.ACTIVE && !d.placed().isEmpty()).findFirst();
    }

    /**
     * The deployment once it has a replica again, when the newest ACTIVE one scales and has none (scaled to zero):
     * the call waits, on this worker thread, while a replica is bid for and leased, at most
     * {@code scaling.wake-timeout}.
     */
    private Deployment woken(RegisteredFunction function, String name, List<Deployment> all) {
        long deadline = System.nanoTime() + wakeTimeout.toNanos();
        List<Deployment> now = all;
        while (true) {
            Optional<Deployment> ready = routable(now);
            if (ready.isPresent()) {
                return ready.get();
            }
            Deployment idle = now.stream().filter(d -> d.status() == Deployment.Status.ACTIVE && d.scaling() != null)
                    .findFirst().orElseThrow(() -> new FunctionNotDeployedException(name));
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0) {
                    throw new java.util.concurrent.TimeoutException();
                }
                waker.wake(idle).toCompletableFuture().get(left, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                throw InvocationFailedException.noReplicaReachable("function '" + name + "' has no replica and none was"
                        + " leased within " + wakeTimeout.toSeconds() + " s", Map.of("function", name));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            now = deployments.list(function.id(), name); // woken: routable now, unless it was given up meanwhile
        }
    }

    /**
     * {@link #attempt Tries the replicas}; when every one refused the call for a lease its agent does not hold yet
     * (replicas just leased: a deployment woken from zero replicas, or a new one, whose agents learn their leases from
     * the marketplace's stream a moment later) it tries them all again {@link #LEASE_RETRY} later, until
     * {@code deadline}. Nothing ran on a refusing agent, so the call is still whole.
     */
    private CompletionStage<Invocation> attemptUntilHeld(Target target, InvocationCall call,
            List<Deployment.Replica> replicas, long deadline) {
        List<String> unreachable = new ArrayList<>();
        List<String> notHeld = new ArrayList<>();
        return attempt(target, call, replicas, 0, unreachable, new ArrayList<>(), notHeld).handle((answer, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(answer);
            }
            // only a scaled deployment's replicas come and go under its calls; another's refusal ends the call
            boolean allNotHeld = target.deployment().scaling() != null && !replicas.isEmpty()
                    && notHeld.size() == replicas.size();
            if (!allNotHeld || System.nanoTime() + LEASE_RETRY.toNanos() - deadline > 0) {
                return CompletableFuture.<Invocation>failedFuture(failure);
            }
            return CompletableFuture.supplyAsync(() -> null,
                    CompletableFuture.delayedExecutor(LEASE_RETRY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
                    .thenCompose(ignored -> attemptUntilHeld(target, call, replicas, deadline));
        }).thenCompose(next -> next);
    }

    /** How long after every replica refused a call for a lease not held yet it is tried again. */
    static final Duration LEASE_RETRY = Duration.ofMillis(200);

    /**
     * Tries {@code replicas} from index {@code i}: a replica whose endpoint the {@link EndpointGuard} refuses is
     * skipped before anything is sent to it (no call, env or grant); an unreachable agent passes the call to the next
     * one (it never started); any other outcome is final. Each replica tried gets its own grant.
     */
    private CompletionStage<Invocation> attempt(Target target, InvocationCall call, List<Deployment.Replica> replicas,
            int i, List<String> unreachable, List<String> refused, List<String> notHeld) {
        String name = target.function().name();
        if (i == replicas.size()) {
            return CompletableFuture.failedFuture(noReplica(name, call.invocationId(), replicas, unreachable, refused));
        }
        Deployment.Replica replica = replicas.get(i);
        return guard.check(replica.endpoint()).thenCompose(checked -> {
            if (checked.refusal().isPresent()) {
                refused.add(replica.provider());
                return attempt(target, call, replicas, i + 1, unreachable, refused, notHeld);
            }
            return attemptOn(target, call, replica, checked.address()).handle((answer, failure) -> {
                Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
                if (cause instanceof Agents.UnreachableException) {
                    unreachable.add(replica.provider());
                    if (cause instanceof Agents.LeaseNotHeldException) {
                        notHeld.add(replica.provider());
                    }
                    return attempt(target, call, replicas, i + 1, unreachable, refused, notHeld);
                }
                return cause != null ? CompletableFuture.<Invocation>failedFuture(cause)
                        : CompletableFuture.completedFuture(answer);
            }).thenCompose(next -> next);
        });
    }

    /**
     * One attempt on one replica whose endpoint may be called: the most it can cost taken out of the owner's credit
     * ({@link SpendingBudget}), then grant, call, and the answer queued for recording.
     */
    private CompletionStage<Invocation> attemptOn(Target target, InvocationCall call, Deployment.Replica replica,
            Optional<InetAddress> address) {
        FunctionVersion version = target.version();
        String consumer = replica.ownerOr(target.function().owner().checksummed());
        Resources resources = replica.resourcesOr(new Resources(version.cpuMillis(), version.memoryMiB(), 0));
        CompletionStage<Void> budgeted;
        try {
            budgeted = budget.reserve(target.function().name(), consumer, ReceiptBounds.maxCharge(replica.prices(),
                    version.timeoutMillis(), resources.cpuMillis(), resources.memoryMiB()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return budgeted.thenCompose(granted -> send(target, call, replica, address, consumer, resources));
    }

    /** Grants and sends one budgeted attempt to the checked {@code address}; answers once the call is recorded. */
    private CompletionStage<Invocation> send(Target target, InvocationCall call, Deployment.Replica replica,
            Optional<InetAddress> address, String consumer, Resources resources) {
        FunctionVersion version = target.version();
        AtomicInteger inFlight = load(replica.leaseId());
        InvocationGrant grant;
        CompletionStage<Agents.AgentReply> reply;
        long sentAt = System.nanoTime();
        Span span = traces.start(call.invocationId(), target.function().name(), replica);
        try (Scope ignored = span.makeCurrent()) {
            grant = grants.issue(call.invocationId(), replica, consumer, version);
            inFlight.incrementAndGet();
            reply = agents.invoke(replica.endpoint(), address, call.onLease(replica.leaseId(), grant),
                    Duration.ofMillis(version.timeoutMillis()).plusSeconds(5));
        } catch (RuntimeException e) {
            span.recordException(e);
            span.end();
            return CompletableFuture.failedFuture(e);
        }
        return reply.handle((answer, failure) -> {
            inFlight.decrementAndGet();
            Duration took = Duration.ofNanos(System.nanoTime() - sentAt);
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
                if (cause instanceof Agents.LeaseNotHeldException) {
                    // refused unrun for a lease its agent has not heard of yet: no failure of the provider's
                    CallTraces.failed(span, failureOf(failure));
                    return CompletableFuture.<Invocation>failedFuture(failure);
                }
                observer.failed(replica.provider(), failureOf(failure));
                meters.failed(target.function().name(), target.function().owner(), failureOf(failure));
                CallTraces.failed(span, failureOf(failure));
                return CompletableFuture.<Invocation>failedFuture(failure);
            }
            meters.answered(target.function().name(), target.function().owner(), answer.reply().status(),
                    answer.reply().warm(), took);
            CallTraces.answered(span, answer.reply().status(), answer.reply().warm());
            ReceiptWitness.Observation seen = new ReceiptWitness.Observation(grant, resources, clock.instant(),
                    took.toMillis());
            // the answer goes out once the gateway's witness of its receipt is in the database (or the wait for a
            // database that is away ends): a gateway that dies after answering leaves every answered call billable
            return EventLoopTimeouts.completeOnTimeout(recorder.record(target.function().id(), version, replica,
                    call.body().length, answer, seen), recordWait)
                    .thenApply(recorded -> outcome(target.function().name(), call.invocationId(), replica, version,
                            answer.reply()));
        }).thenCompose(next -> next);
    }

    /** How an attempt that reached no usable answer failed, as the provider's reputation counts it. */
    private static CallObserver.Failure failureOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
        if (cause instanceof Agents.UnreachableException) {
            return CallObserver.Failure.UNREACHABLE;
        }
        if (cause instanceof InvocationFailedException f && Agents.TIMED_OUT.equals(f.slug())) {
            return CallObserver.Failure.TIMEOUT;
        }
        return CallObserver.Failure.AGENT_ERROR;
    }

    private static InvocationFailedException noReplica(String name, UUID invocationId, List<Deployment.Replica> replicas,
            List<String> unreachable, List<String> refused) {
        Map<String, Object> ids = Map.of("function", name, "invocationId", invocationId);
        if (!replicas.isEmpty() && refused.size() == replicas.size()) {
            return InvocationFailedException.agentEndpointRefused(
                    "every replica's agent endpoint is refused (not a public address, or not a plain origin); nothing"
                            + " was sent to them: " + String.join(", ", refused), ids);
        }
        String detail = replicas.isEmpty() ? "every replica's agent is failing its health checks"
                : "every replica's agent was unreachable: " + String.join(", ", unreachable)
                        + (refused.isEmpty() ? "" : "; refused endpoints: " + String.join(", ", refused));
        return InvocationFailedException.noReplicaReachable(detail, ids);
    }

    private static Invocation outcome(String name, UUID invocationId, Deployment.Replica replica, FunctionVersion version,
            InvocationReply reply) {
        Map<String, Object> ids = Map.of("function", name, "invocationId", invocationId, "provider", replica.provider(),
                "exitCode", reply.exitCode());
        return switch (reply.status()) {
            case OK -> new Invocation(invocationId, replica.provider(), replica.leaseId(), version.version(),
                    reply.status().name(), reply.exitCode(), reply.body() == null ? new byte[0] : reply.body(),
                    reply.httpStatus(), reply.headers());
            case TIMEOUT -> throw InvocationFailedException.functionTimedOut(
                    "the function ran longer than " + version.timeoutMillis() + " ms", ids);
            case OUT_OF_MEMORY -> throw InvocationFailedException.functionOutOfMemory(
                    "the function exceeded " + version.memoryMiB() + " MiB", ids);
            case FUNCTION_ERROR -> throw InvocationFailedException.functionFailed(
                    "the function exited with code " + reply.exitCode(), ids);
        };
    }

    /** The calls this gateway has sent to the replica of {@code leaseId} and not yet seen answered. */
    public int inFlight(UUID leaseId) {
        AtomicInteger load = outstanding.get(leaseId);
        return load == null ? 0 : load.get();
    }

    private AtomicInteger load(UUID leaseId) {
        return outstanding.computeIfAbsent(leaseId, k -> new AtomicInteger());
    }
}
