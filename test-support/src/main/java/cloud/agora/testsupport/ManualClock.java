package cloud.agora.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock the test moves (UTC): time passes only through {@link #advance}. Thread-safe. */
public final class ManualClock extends Clock {

    private volatile Instant now;

    /** Starting at {@code start}. */
    public ManualClock(Instant start) {
        this.now = start;
    }

    /** Starting at 2026-12-04T12:00:00Z. */
    public ManualClock() {
        this(Instant.parse("2026-12-04T12:00:00Z"));
    }

    /** Moves the clock on. */
    public synchronized void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
