package cloud.agora.functions.domain.deployment;

import java.util.UUID;

/** A deployment's intent recorded for a developer's idempotency key: its request's digest and what became of it. */
public record DeploymentRequest(BidIntent intent, String requestDigest, UUID bidId, String refused) {
}
