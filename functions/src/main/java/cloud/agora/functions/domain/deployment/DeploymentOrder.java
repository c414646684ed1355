package cloud.agora.functions.domain.deployment;

import cloud.agora.protocol.market.Constraints;
import cloud.agora.protocol.resources.Prices;

/**
 * What a developer asks for when deploying: which version (default: the newest), how many
 * replicas on distinct providers (default 1), the highest unit prices, where, and how long
 * the bid may wait for providers, and whether its replicas follow its load ({@link Autoscaling}).
 */
public record DeploymentOrder(Integer version, Integer replicas, Prices maxPrices, Constraints constraints,
        Long ttlSeconds, Autoscaling scaling) {

    public DeploymentOrder(Integer version, Integer replicas, Prices maxPrices, Constraints constraints, Long ttlSeconds) {
        this(version, replicas, maxPrices, constraints, ttlSeconds, null);
    }

    /** Most replicas per deployment (the marketplace's own default cap). */
    public static final int MAX_REPLICAS = 16;

    /** Checks the rules this service owns; the marketplace checks prices and constraints itself. */
    public void check() {
        if (replicas != null && (replicas < 1 || replicas > MAX_REPLICAS)) {
            throw new InvalidDeploymentException("replicas must be between 1 and " + MAX_REPLICAS + ", got " + replicas);
        }
        if (maxPrices == null) {
            throw new InvalidDeploymentException("maxPrices is required");
        }
        if (version != null && version < 1) {
            throw new InvalidDeploymentException("version must be at least 1, got " + version);
        }
        if (scaling != null) {
            scaling.check(replicas);
        }
    }

    /** The replicas to start with: those asked, else the scaling's minimum (at least one), else one. */
    public int initialReplicas() {
        return replicas != null ? replicas : scaling != null ? Math.max(1, scaling.minReplicas()) : 1;
    }
}
