package cloud.agora.protocol.market;

import cloud.agora.protocol.resources.Resources;

/**
 * A provider's sign of life, with the capacity it has free right now (optional). The
 * marketplace never leases more than the lesser of this and its own account of the offer.
 */
public record Heartbeat(Resources free) {
}
