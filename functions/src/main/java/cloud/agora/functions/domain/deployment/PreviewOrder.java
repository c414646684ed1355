package cloud.agora.functions.domain.deployment;

import cloud.agora.protocol.market.Constraints;
import cloud.agora.protocol.resources.Prices;

/**
 * A deployment preview's question: the fields of a {@link DeploymentOrder} (the same body deploys), and the load to
 * price ({@link CallLoad}; null for its defaults).
 */
public record PreviewOrder(Integer version, Integer replicas, Prices maxPrices, Constraints constraints,
        Long ttlSeconds, Autoscaling scaling, CallLoad load) {

    /** The order this preview is of. */
    public DeploymentOrder order() {
        return new DeploymentOrder(version, replicas, maxPrices, constraints, ttlSeconds, scaling);
    }
}
