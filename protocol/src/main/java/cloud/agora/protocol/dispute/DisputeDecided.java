package cloud.agora.protocol.dispute;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.time.Instant;
import java.util.UUID;

/**
 * Billing's decision of a dispute, published on {@code billing.disputes.v1} (envelope type {@value #TYPE}, key = the
 * provider, signed like every billing event): the marketplace counts an upheld dispute against the provider's
 * reputation and a rejected one for it.
 */
public record DisputeDecided(UUID disputeId, UUID invocationId, Address consumer, Address provider, UUID leaseId,
        Wei charge, DisputeState state, String rule, Instant decidedAt) {

    public static final String TYPE = "DisputeDecided";
}
