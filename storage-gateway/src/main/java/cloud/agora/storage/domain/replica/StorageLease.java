package cloud.agora.storage.domain.replica;

import java.util.UUID;

/**
 * A storage lease the gateway bought: one replica on one provider's agent.
 *
 * @param leaseId  the marketplace lease
 * @param provider the provider's address
 * @param endpoint the agent's base URL (its storage role lives under {@code /api/v1/storage})
 */
public record StorageLease(UUID leaseId, String provider, String endpoint) {
}
