package cloud.agora.marketplace.domain;

import java.time.Instant;

/**
 * What a provider's reputation is computed from besides the recorded evidence: since when it is observed, when it
 * was last heard from (the silence going on now counts too) and how many leases it holds.
 *
 * @param lastHeardAt  its last heartbeat or offer, or null if it never sent one
 * @param activeLeases the leases it holds now
 */
public record Presence(Instant registeredAt, Instant lastHeardAt, long activeLeases) {

    public static Presence of(Provider provider, long activeLeases) {
        return new Presence(provider.registeredAt(), provider.lastHeartbeatAt(), activeLeases);
    }
}
