package cloud.agora.agent.auth;

import cloud.agora.protocol.auth.UsedNonces;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The sign-in nonces this agent process has consumed, in memory: an agent is one process with no database, and its
 * challenges are signed under a secret made at its start, so no other process could accept them anyway. A nonce is
 * forgotten once its message has expired (checked at each use), so the set holds at most the provider's sign-ins of
 * one challenge lifetime; only the provider can add to it, since only its challenges are issued and verified here.
 */
public final class InMemoryUsedNonces implements UsedNonces {

    private final Clock clock;
    private final Map<String, Instant> used = new HashMap<>();
    private final PriorityQueue<Map.Entry<String, Instant>> byExpiry = new PriorityQueue<>(Map.Entry.comparingByValue(
            Comparator.naturalOrder()));

    public InMemoryUsedNonces(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized boolean firstUse(String nonce, Instant expiresAt) {
        Instant now = clock.instant();
        while (!byExpiry.isEmpty() && !byExpiry.peek().getValue().isAfter(now)) {
            used.remove(byExpiry.poll().getKey());
        }
        if (used.putIfAbsent(nonce, expiresAt) != null) {
            return false;
        }
        byExpiry.add(Map.entry(nonce, expiresAt));
        return true;
    }

    /** How many nonces are remembered (for tests). */
    synchronized int size() {
        return used.size();
    }
}
