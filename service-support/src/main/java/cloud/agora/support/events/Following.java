package cloud.agora.support.events;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * How every SmallRye follower of the platform handles a record. Its {@code @Incoming} method is {@code @Blocking} (one
 * record at a time, in order), carries {@code @ApplyGuard(Following.GUARD)}, opens the record with
 * {@link SignedEvents#open}, and its channel has {@code failure-strategy=quarantine} ({@link QuarantineStrategy}):
 * <ul>
 *   <li>a record its producer did not sign, or a poison record, throws {@link RefusedRecord}: not retried,
 *       quarantined at once;</li>
 *   <li>a handler failure (a database outage, say) is retried with backoff — {@value #ATTEMPTS} attempts, 250 ms
 *       doubling to 10 s, about half a minute — and only then quarantined ({@value #GAVE_UP} ...), so a transient
 *       fault loses nothing and a record that always fails cannot stop the topic;</li>
 *   <li>the channel commits offsets of handled records (SmallRye's throttled strategy), so a crash re-reads the
 *       last few seconds' records: handlers are idempotent on the envelope id.</li>
 * </ul>
 */
@ApplicationScoped
public class Following {

    /** The fault-tolerance guard every follower applies. */
    public static final String GUARD = "agora-follower";
    /** Attempts at handling one record before it is quarantined. */
    public static final int ATTEMPTS = 8;
    /** How the reason of a record quarantined after {@link #ATTEMPTS} failures begins. */
    public static final String GAVE_UP = "not handled after " + ATTEMPTS + " attempts: ";

    /**
     * The retry every follower applies: {@value #ATTEMPTS} attempts, the first retry after
     * {@code agora.events.first-retry} (250 ms; a test sets less), doubling up to 10 s, never for a
     * {@link RefusedRecord}.
     */
    @Produces
    @Singleton
    @Identifier(GUARD)
    Guard guard(EventsConfig config) {
        Duration firstRetry = config.firstRetry();
        return Guard.create().withDescription("a followed record").withRetry()
                .maxRetries(ATTEMPTS - 1)
                .delay(firstRetry.toMillis(), ChronoUnit.MILLIS)
                .jitter(0, ChronoUnit.MILLIS)
                .maxDuration(2, ChronoUnit.MINUTES)
                .abortOn(RefusedRecord.class)
                .withExponentialBackoff().maxDelay(10, ChronoUnit.SECONDS).done()
                .done().build();
    }
}
