package cloud.agora.functions.domain;

import cloud.agora.functions.config.FunctionsConfig;
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
 * per gateway instance (each probes for itself). Unknown endpoints count as healthy.
 */
@ApplicationScoped
public class ReplicaHealth {

    private final DeploymentStore deployments;
    private final Agents agents;
    private final int failuresAllowed;
    private final Duration timeout;
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();

    public ReplicaHealth(DeploymentStore deployments, Agents agents, FunctionsConfig config) {
        this.deployments = deployments;
        this.agents = agents;
        this.failuresAllowed = config.healthFailures();
        this.timeout = config.agentConnectTimeout().plusSeconds(1);
    }

    /** Whether calls may go to the agent at {@code endpoint}. */
    public boolean healthy(String endpoint) {
        return failures.getOrDefault(endpoint, 0) < failuresAllowed;
    }

    @Scheduled(every = "${agora.functions.health-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void probe() {
        Set<String> endpoints = deployments.liveEndpoints();
        failures.keySet().retainAll(endpoints);
        endpoints.parallelStream().forEach(endpoint -> {
            if (agents.healthy(endpoint, timeout)) {
                failures.remove(endpoint);
            } else {
                failures.merge(endpoint, 1, Integer::sum);
            }
        });
    }
}
