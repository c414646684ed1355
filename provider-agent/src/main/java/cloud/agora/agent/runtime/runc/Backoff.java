package cloud.agora.agent.runtime.runc;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits between two looks at the kernel's state (a cgroup's processes, a socket table): spins briefly, then parks
 * 20 µs doubling up to a ceiling. No fixed sleep: the caller looks again after each pause and stops at the event.
 */
final class Backoff {

    private final long maxParkNanos;
    int rounds;

    /** Parks at most {@code maxParkMillis} between two looks. */
    Backoff(long maxParkMillis) {
        this.maxParkNanos = TimeUnit.MILLISECONDS.toNanos(maxParkMillis);
    }

    void pause() {
        rounds++;
        if (rounds <= 8) {
            Thread.onSpinWait();
        } else {
            LockSupport.parkNanos(Math.min(maxParkNanos, 20_000L << Math.min(rounds - 9, 12)));
        }
    }
}
