package cloud.agora.functions.domain.invocation;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.persistence.CreditStore;
import cloud.agora.functions.persistence.FunctionStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.support.problem.ProblemException;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may call now, before any routing: a per-caller token bucket ({@code rate-limit-per-second},
 * {@code rate-limit-burst}; the key is the bearer's address for a valid token, else the client
 * IP; kept per gateway instance) → 429 {@code rate-limited} with Retry-After; and the function
 * owner's credit as billing last decided it ({@code billing.credit.v1}) → 402
 * {@code credit-exhausted} while paused. Used by {@code /fn} and async submission.
 */
@ApplicationScoped
public class CallAdmission {

    private final FunctionStore functions;
    private final CreditStore credit;
    private final double perSecond;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile Set<String> paused = Set.of();

    public CallAdmission(FunctionStore functions, CreditStore credit, FunctionsConfig config) {
        this.functions = functions;
        this.credit = credit;
        this.perSecond = config.rateLimitPerSecond();
        this.burst = config.rateLimitBurst();
    }

    /** Refused: the caller went over its rate. */
    public static final class RateLimitedException extends ProblemException {
        private final long retryAfterSeconds;

        RateLimitedException(String caller, long retryAfterSeconds) {
            super(429, "rate-limited", "Too many calls from this caller", "calls from " + caller + " exceed the rate limit;"
                    + " retry after " + retryAfterSeconds + " s", Map.of("retryAfterSeconds", retryAfterSeconds));
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** Refused: the function's owner has no credit left. */
    public static final class CreditExhaustedException extends ProblemException {
        CreditExhaustedException(String function, String owner) {
            super(402, "credit-exhausted", "The function's owner has no credit", "calls of '" + function
                    + "' are paused until its owner's escrow is funded", Map.of("function", function, "owner", owner));
        }
    }

    /** Admits a call of {@code function} by {@code caller} or throws the problem that refuses it. */
    public void admit(String caller, String function) {
        rateLimit(caller);
        if (!paused.isEmpty()) {
            functions.find(function).ifPresent(f -> checkCredit(function, f.owner()));
        }
    }

    /** Takes one of {@code caller}'s tokens or throws {@link RateLimitedException}. In memory only. */
    public void rateLimit(String caller) {
        Bucket bucket = buckets.computeIfAbsent(caller, k -> new Bucket(burst, System.nanoTime()));
        long wait = bucket.take(perSecond, burst, System.nanoTime());
        if (wait > 0) {
            throw new RateLimitedException(caller, wait);
        }
    }

    /** Throws {@link CreditExhaustedException} while calls of {@code owner}'s functions are paused. In memory only. */
    public void checkCredit(String function, Address owner) {
        if (paused.contains(owner.value().toLowerCase(Locale.ROOT))) {
            throw new CreditExhaustedException(function, owner.checksummed());
        }
    }

    /**
     * Billing decided on {@code owner}'s credit (at {@code at}, event {@code eventId}), with {@code spendable} the
     * figure the {@link SpendingBudget} holds calls under (null when it carried none).
     */
    public void creditDecided(String owner, boolean isPaused, Instant at, String eventId, BigInteger spendable) {
        String key = owner.toLowerCase(Locale.ROOT);
        credit.decide(key, isPaused, at, eventId, spendable);
        if (paused.contains(key) != isPaused) {
            // a review that keeps the state (billing's every 10 s) changes no one's pause: no reload for it
            refresh();
        }
    }

    /** Re-reads the paused developers (decisions another gateway instance recorded reach this one too). */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        paused = Set.copyOf(credit.paused());
    }

    @Scheduled(every = "60s")
    void forgetIdleCallers() {
        long now = System.nanoTime();
        buckets.entrySet().removeIf(e -> e.getValue().full(perSecond, burst, now));
    }

    private static final class Bucket {
        private double tokens;
        private long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }

        /** Takes a token; returns 0, or the whole seconds to wait for one. */
        synchronized long take(double perSecond, double burst, long now) {
            tokens = Math.min(burst, tokens + (now - at) / 1e9 * perSecond);
            at = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
        }

        synchronized boolean full(double perSecond, double burst, long now) {
            return tokens + (now - at) / 1e9 * perSecond >= burst;
        }
    }
}
