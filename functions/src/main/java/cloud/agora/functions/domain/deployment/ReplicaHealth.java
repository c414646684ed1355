package cloud.agora.functions.domain.deployment;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.invocation.Agents;
import cloud.agora.functions.domain.invocation.EndpointGuard;
import cloud.agora.functions.persistence.DeploymentStore;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Probes every replica's agent ({@code GET /q/health}) each {@code health-interval}; an agent
 * that failed {@code health-failures} probes in a row gets no calls until one passes. State is
 * per gateway instance (each probes for itself). Unknown endpoints count as healthy. An endpoint the
 * {@link EndpointGuard} refuses is never probed (the router never calls it either). An agent that
 * failed every probe for {@code replace-unhealthy-after} has its replicas given up and replaced
 * ({@link FunctionDeployer#abandonReplicasAt}).
 */
@ApplicationScoped
public class ReplicaHealth {

    private final DeploymentStore deployments;
    private final Agents agents;
    private final int failuresAllowed;
    private final Duration timeout;
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final Map<String, java.time.Instant> failingSince = new ConcurrentHashMap<>();
    private final FunctionDeployer deployer;
    private final Duration replaceAfter;
    private final java.util.Set<String> replacing = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.ExecutorService replacer = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> new Thread(r, "replica-replacer"));

    @jakarta.annotation.PreDestroy
    void stopReplacing() {
        replacer.shutdownNow();
    }

    private final EndpointGuard guard;

    public ReplicaHealth(DeploymentStore deployments, Agents agents, FunctionDeployer deployer, EndpointGuard guard,
            FunctionsConfig config) {
        this.guard = guard;
        this.deployments = deployments;
        this.agents = agents;
        this.deployer = deployer;
        this.failuresAllowed = config.healthFailures();
        this.timeout = config.agentConnectTimeout().plusSeconds(1);
        this.replaceAfter = config.replaceUnhealthyAfter();
    }

    /** Whether calls may go to the agent at {@code endpoint}. */
    public boolean healthy(String endpoint) {
        return failures.getOrDefault(endpoint, 0) < failuresAllowed;
    }

    @Scheduled(every = "${agora.functions.health-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void probe() {
        Set<String> endpoints = deployments.liveEndpoints();
        failures.keySet().retainAll(endpoints);
        failingSince.keySet().retainAll(endpoints);
        java.time.Instant now = java.time.Instant.now();
        endpoints.parallelStream().forEach(endpoint -> {
            EndpointGuard.Checked checked = guard.checkNow(endpoint);
            if (checked.refusal().isPresent()) {
                return; // never probed; the router refuses it too (agent-endpoint-refused), whatever its health
            }
            if (agents.healthy(endpoint, checked.address(), timeout)) {
                failures.remove(endpoint);
                failingSince.remove(endpoint);
            } else {
                failures.merge(endpoint, 1, Integer::sum);
                failingSince.putIfAbsent(endpoint, now);
            }
        });
        for (Map.Entry<String, java.time.Instant> failing : failingSince.entrySet()) {
            String endpoint = failing.getKey();
            if (!failing.getValue().plus(replaceAfter).isAfter(now) && replacing.add(endpoint)) {
                // marketplace calls take time: never on the probe loop, one endpoint at a time
                replacer.execute(() -> {
                    try {
                        deployer.abandonReplicasAt(endpoint);
                        failingSince.remove(endpoint);
                    } catch (RuntimeException e) {
                        // tried again after the next probe
                        org.jboss.logging.Logger.getLogger(ReplicaHealth.class)
                                .warnf("cannot replace the replicas at %s yet: %s", endpoint, e.getMessage());
                    } finally {
                        replacing.remove(endpoint);
                    }
                });
            }
        }
    }
}
