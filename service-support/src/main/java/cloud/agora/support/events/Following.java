package cloud.agora.support.events;

/**
 * How every SmallRye follower of the platform handles a record (its {@code @Incoming} method carries these in
 * {@code @Retry(maxRetries = RETRIES, delay = FIRST_DELAY_MS, maxDuration = MAX_DURATION_MS, jitter = 0, abortOn =
 * RefusedRecord.class)} and {@code @ExponentialBackoff(maxDelay = MAX_DELAY_MS)}, and its channel declares
 * {@code failure-strategy=quarantine}):
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
public final class Following {

    /** Attempts at handling one record before it is quarantined. */
    public static final int ATTEMPTS = 8;
    /** {@link #ATTEMPTS} as fault tolerance counts them: retries after the first. */
    public static final int RETRIES = ATTEMPTS - 1;
    public static final long FIRST_DELAY_MS = 250;
    public static final long MAX_DELAY_MS = 10_000;
    /** Longer than the backoff's sum (25.75 s) plus the attempts themselves. */
    public static final long MAX_DURATION_MS = 120_000;
    /** How the reason of a record quarantined after {@link #ATTEMPTS} failures begins. */
    public static final String GAVE_UP = "not handled after " + ATTEMPTS + " attempts: ";

    private Following() {
    }
}
