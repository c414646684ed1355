package cloud.agora.functions.domain.deployment;

import java.time.Instant;
import java.util.List;

/**
 * A deployment whose replicas follow its load: between {@code minReplicas} and {@code maxReplicas}, aiming at
 * {@code targetConcurrency} calls in flight per replica ({@link ScalingPolicy}).
 *
 * @param minReplicas       the fewest replicas kept, 0 or more: at 0 the first call after idle waits while the platform
 *                          bids, gets a lease and starts the function
 * @param maxReplicas       the most replicas, at most {@link DeploymentOrder#MAX_REPLICAS}
 * @param targetConcurrency calls in flight per replica the deployment aims at, 1 to 1000
 */
public record Autoscaling(Integer minReplicas, Integer maxReplicas, Integer targetConcurrency) {

    public static final int MAX_TARGET_CONCURRENCY = 1000;

    /** Checks the bounds, and that the initial {@code replicas} (if asked) lie between them. */
    public void check(Integer replicas) {
        if (minReplicas == null || maxReplicas == null || targetConcurrency == null) {
            throw new InvalidDeploymentException("scaling needs minReplicas, maxReplicas and targetConcurrency");
        }
        if (minReplicas < 0) {
            throw new InvalidDeploymentException("scaling.minReplicas must be at least 0, got " + minReplicas);
        }
        if (maxReplicas < Math.max(1, minReplicas) || maxReplicas > DeploymentOrder.MAX_REPLICAS) {
            throw new InvalidDeploymentException("scaling.maxReplicas must be from minReplicas (and at least 1) to "
                    + DeploymentOrder.MAX_REPLICAS + ", got " + maxReplicas);
        }
        if (targetConcurrency < 1 || targetConcurrency > MAX_TARGET_CONCURRENCY) {
            throw new InvalidDeploymentException("scaling.targetConcurrency must be from 1 to " + MAX_TARGET_CONCURRENCY
                    + ", got " + targetConcurrency);
        }
        if (replicas != null && (replicas < Math.max(1, minReplicas) || replicas > maxReplicas)) {
            throw new InvalidDeploymentException("replicas (" + replicas + ") must lie between scaling.minReplicas and"
                    + " scaling.maxReplicas (" + minReplicas + "–" + maxReplicas + ")");
        }
    }

    /** How a scaled deployment stands: its bounds and its latest scaling decisions, newest first. */
    public record View(int minReplicas, int maxReplicas, int targetConcurrency, List<Decision> decisions) {

        public View {
            decisions = List.copyOf(decisions);
        }

        public View withDecisions(List<Decision> latest) {
            return new View(minReplicas, maxReplicas, targetConcurrency, latest);
        }
    }

    /** One scaling decision: when, from how many replicas to how many, and why (the load it saw). */
    public record Decision(Instant at, int fromReplicas, int toReplicas, String reason) {
    }
}
