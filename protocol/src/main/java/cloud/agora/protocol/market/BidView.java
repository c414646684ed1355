package cloud.agora.protocol.market;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A bid as its owner sees it, with the leases it produced and, while open, why it rests. */
public record BidView(
        UUID id,
        Address owner,
        BidKind kind,
        Resources resources,
        int replicas,
        int matchedReplicas,
        Prices maxPrices,
        Constraints constraints,
        BidStatus status,
        Instant createdAt,
        Instant expiresAt,
        List<UUID> leaseIds,
        List<UnmatchedReason> unmatchedReasons) {
}
