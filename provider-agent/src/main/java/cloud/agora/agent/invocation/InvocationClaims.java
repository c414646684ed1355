package cloud.agora.agent.invocation;

import cloud.agora.agent.journal.ReceiptJournal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single use of invocation ids: an id is claimed once, atomically, when its call is admitted, and stays claimed while
 * its grant could still be presented — until the grant's expiry plus the clock skew plus {@link #MARGIN} — whether
 * the call succeeded, failed or is still running. Ids with a journaled receipt are refused for ever (the journal
 * survives restarts). After a claim is forgotten the grant it came with is expired, so the grant cannot be replayed
 * either way. Of two simultaneous calls with one id exactly one wins the claim.
 *
 * <p>Memory is bounded by the call rate times the grant validity (about a minute of ids). Thread-safe.
 */
public final class InvocationClaims {

    /** Kept beyond expiry + skew so that a check which read the clock just before the boundary still finds the claim. */
    static final Duration MARGIN = Duration.ofMinutes(1);
    private static final Duration PRUNE_EVERY = Duration.ofSeconds(10);

    private final ReceiptJournal journal;
    private final Map<UUID, Instant> claimed = new ConcurrentHashMap<>();
    private volatile Instant nextPrune = Instant.MIN;

    public InvocationClaims(ReceiptJournal journal) {
        this.journal = journal;
    }

    /** Why an id cannot be claimed. */
    public enum Refusal {
        /** Its receipt is journaled: it ran here. */
        ALREADY_RUN,
        /** It is claimed by a call running now or one that ran (or failed) while its grant was valid. */
        CLAIMED
    }

    /**
     * Claims {@code invocationId} until {@code keepUntil} (+ {@link #MARGIN}).
     *
     * @return empty when this caller holds the claim now, else why not
     */
    public Optional<Refusal> claim(UUID invocationId, Instant keepUntil, Instant now) {
        prune(now);
        if (journal.get(invocationId) != null) {
            return Optional.of(Refusal.ALREADY_RUN);
        }
        if (claimed.putIfAbsent(invocationId, keepUntil.plus(MARGIN)) != null) {
            return Optional.of(Refusal.CLAIMED);
        }
        return Optional.empty();
    }

    private void prune(Instant now) {
        if (now.isAfter(nextPrune)) {
            nextPrune = now.plus(PRUNE_EVERY);
            claimed.values().removeIf(forgetAt -> forgetAt.isBefore(now));
        }
    }
}
