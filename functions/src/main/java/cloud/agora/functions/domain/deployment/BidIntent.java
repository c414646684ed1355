package cloud.agora.functions.domain.deployment;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.IdempotencyKeys;
import java.time.Instant;
import java.util.UUID;

/**
 * A bid functions means to place, recorded with its idempotency key before the marketplace is asked. Placing it
 * again (after a lost answer, a failure or a restart) sends the same key and the same {@code spec}, so the
 * marketplace places it at most once.
 *
 * @param deploymentId the deployment it creates ({@link Purpose#DEPLOYMENT}) or completes ({@link Purpose#REPLACEMENT})
 * @param version      the deployed version (a deployment's intent; null for a replacement)
 * @param replicas     the deployment's replicas (a deployment's intent) or the replicas replaced
 */
public record BidIntent(String key, Purpose purpose, UUID deploymentId, UUID functionId, String functionName,
        Address owner, Integer version, int replicas, BidSpec spec, Instant createdAt) {

    /** What the bid is for. */
    public enum Purpose {
        /** The bid of a new deployment. */
        DEPLOYMENT,
        /** A bid for replicas an ACTIVE deployment lost. */
        REPLACEMENT
    }

    /** The intent of a new deployment's bid, with a fresh key and a fresh deployment id. */
    public static BidIntent deployment(UUID functionId, String functionName, Address owner, int version, int replicas,
            BidSpec spec, Instant now) {
        return new BidIntent(IdempotencyKeys.generate(), Purpose.DEPLOYMENT, UUID.randomUUID(), functionId, functionName,
                owner, version, replicas, spec, now);
    }

    /** The intent of a replacement bid for {@code deploymentId}, with a fresh key. */
    public static BidIntent replacement(UUID deploymentId, UUID functionId, String functionName, Address owner,
            BidSpec spec, Instant now) {
        return new BidIntent(IdempotencyKeys.generate(), Purpose.REPLACEMENT, deploymentId, functionId, functionName,
                owner, null, spec.replicas(), spec, now);
    }
}
