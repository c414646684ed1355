package cloud.agora.marketplace.domain;

import java.time.Instant;

/**
 * What a provider's uptime is computed from besides the recorded evidence: since when it is observed, and when it was
 * last heard from (the silence going on now counts too).
 *
 * @param lastHeardAt its last heartbeat or offer, or null if it never sent one
 */
public record Presence(Instant registeredAt, Instant lastHeardAt) {

    public static Presence of(Provider provider) {
        return new Presence(provider.registeredAt(), provider.lastHeartbeatAt());
    }
}
