package cloud.agora.functions.domain;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.persistence.DeploymentStore;
import cloud.agora.functions.persistence.FunctionStore;
import cloud.agora.functions.persistence.FunctionStore.FunctionRow;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The synchronous invocation gateway's rules. A call goes to a replica of the function's
 * newest ACTIVE deployment (so a new version that is still pending leaves the old one
 * serving), least outstanding requests first. A replica whose agent cannot be reached is
 * skipped and the next one tried — safe because the call never started there; once an agent
 * was reached, the call is never repeated elsewhere. At most {@code maxConcurrency} calls of
 * one function are in flight in this gateway; more are refused with 429. Replicas whose agent
 * fails its health checks ({@link ReplicaHealth}) are skipped. Every answered call is recorded
 * ({@link InvocationRecorder}: usage, stderr, the counter-signed receipt) right after the answer,
 * off the request path — a function error's stderr and usage are kept too.
 */
@ApplicationScoped
public class InvocationRouter {

    /** A finished call: the ids the response carries and the function's output. */
    public record Invocation(UUID invocationId, String provider, UUID leaseId, int version, String status, int exitCode,
            byte[] body) {
    }

    private final FunctionStore functions;
    private final DeploymentStore deployments;
    private final Agents agents;
    private final SecretSealer sealer;
    private final InvocationRecorder recorder;
    private final ReplicaHealth health;
    private final int maxBody;
    /** Env of a version, secrets opened: versions are immutable, so this never goes stale. */
    private final ConcurrentHashMap<String, Map<String, String>> envs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, AtomicInteger> outstanding = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Limit> limits = new ConcurrentHashMap<>();

    private record Limit(int permits, Semaphore semaphore) {
    }

    public InvocationRouter(FunctionStore functions, DeploymentStore deployments, Agents agents, FunctionRegistrar registrar,
            InvocationRecorder recorder, ReplicaHealth health, FunctionsConfig config) {
        this.health = health;
        this.functions = functions;
        this.deployments = deployments;
        this.agents = agents;
        this.sealer = registrar.sealer();
        this.recorder = recorder;
        this.maxBody = config.maxInvocationBytes();
    }

    /** Runs one call of function {@code name} under a new invocation id; anyone may call a deployed function. */
    public Invocation invoke(String name, String method, String path, String query, Map<String, String> headers, byte[] body) {
        return invoke(UUID.randomUUID(), name, method, path, query, headers, body);
    }

    /**
     * Runs call {@code invocationId} of function {@code name} (an async invocation keeps its id
     * across attempts, so an agent that already ran it refuses to run it again).
     */
    public Invocation invoke(UUID invocationId, String name, String method, String path, String query,
            Map<String, String> headers, byte[] body) {
        Target target = target(name, body.length);
        FunctionRow function = target.function();
        Deployment active = target.deployment();
        FunctionVersion version = target.version();
        Semaphore limit = limits.compute(name, (k, l) -> l != null && l.permits() == version.maxConcurrency() ? l
                : new Limit(version.maxConcurrency(), new Semaphore(version.maxConcurrency()))).semaphore();
        if (!limit.tryAcquire()) {
            throw new InvocationFailedException(429, "concurrency-limit-reached", "Too many calls in flight",
                    "function '" + name + "' already runs " + version.maxConcurrency() + " calls",
                    Map.of("function", name, "maxConcurrency", version.maxConcurrency()));
        }
        try {
            return run(invocationId, function, version, active, method, path, query, headers, body);
        } finally {
            limit.release();
        }
    }

    /** What a call of a function would run on: the function, its newest ACTIVE deployment and that version. */
    public record Target(FunctionRow function, Deployment deployment, FunctionVersion version) {
    }

    /**
     * Where a call of {@code name} with a body of {@code bodyBytes} would go.
     *
     * @throws InvocationFailedException 413 when the body is too large
     * @throws FunctionNotFoundException when there is no such function
     * @throws FunctionNotDeployedException when no deployment is ACTIVE
     */
    public Target target(String name, int bodyBytes) {
        if (bodyBytes > maxBody) {
            throw new InvocationFailedException(413, "invocation-too-large", "The request body is too large",
                    "the body has " + bodyBytes + " bytes, at most " + maxBody + " are accepted",
                    Map.of("function", name, "maxBytes", maxBody));
        }
        FunctionRow function = functions.find(name).orElseThrow(() -> new FunctionNotFoundException(name));
        Deployment active = deployments.list(function.id(), name).stream()
                .filter(d -> d.status() == Deployment.Status.ACTIVE && !d.placed().isEmpty()).findFirst()
                .orElseThrow(() -> new FunctionNotDeployedException(name));
        FunctionVersion version = functions.versions(function).stream().filter(v -> v.version() == active.version())
                .findFirst().orElseThrow();
        return new Target(function, active, version);
    }

    private Invocation run(UUID invocationId, FunctionRow function, FunctionVersion version, Deployment active,
            String method, String path, String query, Map<String, String> headers, byte[] body) {
        String name = function.name();
        Map<String, String> env = env(function, version);
        List<Deployment.Replica> replicas = new ArrayList<>(active.placed().stream().filter(r -> health.healthy(r.endpoint()))
                .toList());
        replicas.sort(Comparator.comparingInt(r -> load(r.leaseId()).get()));
        List<String> unreachable = new ArrayList<>();
        for (Deployment.Replica replica : replicas) {
            AtomicInteger inFlight = load(replica.leaseId());
            inFlight.incrementAndGet();
            try {
                Agents.AgentCall call = new Agents.AgentCall(invocationId, replica.leaseId(), version.runtime(),
                        version.bundleCid(), List.of("/bin/sh", "/function/" + version.entrypoint()), method, path, query,
                        headers, body, version.timeoutMillis(), env);
                Agents.AgentReply reply = agents.invoke(replica.endpoint(), call,
                        Duration.ofMillis(version.timeoutMillis()).plusSeconds(5));
                recorder.recordLater(function.id(), version, replica, invocationId, body.length, reply);
                return outcome(name, invocationId, replica, version, reply);
            } catch (Agents.UnreachableException e) {
                unreachable.add(replica.provider());
            } finally {
                inFlight.decrementAndGet();
            }
        }
        throw new InvocationFailedException(503, "no-replica-reachable", "No replica could be reached",
                replicas.isEmpty() ? "every replica's agent is failing its health checks"
                        : "every replica's agent was unreachable: " + String.join(", ", unreachable),
                Map.of("function", name, "invocationId", invocationId));
    }

    private static Invocation outcome(String name, UUID invocationId, Deployment.Replica replica, FunctionVersion version,
            Agents.AgentReply reply) {
        Map<String, Object> ids = Map.of("function", name, "invocationId", invocationId, "provider", replica.provider(),
                "exitCode", reply.exitCode());
        return switch (reply.status()) {
            case "OK" -> new Invocation(invocationId, replica.provider(), replica.leaseId(), version.version(), reply.status(),
                    reply.exitCode(), reply.body());
            case "TIMEOUT" -> throw new InvocationFailedException(504, "function-timed-out", "The function timed out",
                    "the function ran longer than " + version.timeoutMillis() + " ms", ids);
            case "OUT_OF_MEMORY" -> throw new InvocationFailedException(502, "function-out-of-memory",
                    "The function ran out of memory", "the function exceeded " + version.memoryMiB() + " MiB", ids);
            default -> throw new InvocationFailedException(502, "function-failed", "The function failed",
                    "the function exited with code " + reply.exitCode(), ids);
        };
    }

    private Map<String, String> env(FunctionRow function, FunctionVersion version) {
        return envs.computeIfAbsent(function.id() + "/" + version.version(), k -> {
            Map<String, String> out = new java.util.TreeMap<>();
            version.env().stream().filter(e -> !e.secret()).forEach(e -> out.put(e.name(), e.value()));
            out.putAll(functions.openSecrets(function, version.version(), sealer));
            return Map.copyOf(out);
        });
    }

    private AtomicInteger load(UUID leaseId) {
        return outstanding.computeIfAbsent(leaseId, k -> new AtomicInteger());
    }
}
