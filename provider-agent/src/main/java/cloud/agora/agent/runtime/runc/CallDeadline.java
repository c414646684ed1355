package cloud.agora.agent.runtime.runc;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call's deadline, enforced by a timer while the call's thread blocks on the function's answer. Exactly one side
 * settles the call: the timer, which then runs the late action (ending the blocked read), or the call's thread once
 * its answer is in ({@link #inTime}). So an answer taken as the deadline strikes is either in time, and the late
 * action never runs, or late, and the call is treated as timed out — never an answer in time whose connection or
 * processes the timer ends behind its back.
 */
final class CallDeadline {

    private final AtomicBoolean settled = new AtomicBoolean();
    private final Timeout timer;

    /**
     * Runs {@code late} on the timer's thread after {@code nanos} (and at most two ticks of the timer more) unless the
     * call settles first.
     */
    CallDeadline(Wheel wheel, long nanos, Runnable late) {
        this.timer = wheel.timer.newTimeout(t -> {
            if (settled.compareAndSet(false, true)) {
                try {
                    late.run();
                } finally {
                    wheel.struck.incrementAndGet();
                }
            }
        }, Math.max(nanos, 0), TimeUnit.NANOSECONDS);
    }

    /**
     * A runtime's timer of call deadlines: Netty's hashed wheel, whose one thread looks at the deadlines due every
     * {@link #TICK} rather than being woken for each deadline set. A {@code ScheduledThreadPoolExecutor} wakes its
     * thread whenever a new deadline is the earliest it holds, which at concurrency 1 is every call: one more thread
     * hand-over per call (provider-agent README, "HTTP mode against of-watchdog"). A deadline never strikes early, and
     * up to two ticks late (one set just after a tick waits for the next). Once a deadline was set, the thread wakes
     * every tick, calls or not (100 times a second).
     */
    static final class Wheel implements AutoCloseable {

        /** How often the wheel looks at the deadlines due. */
        static final Duration TICK = Duration.ofMillis(10);

        private final HashedWheelTimer timer = new HashedWheelTimer(r -> {
            Thread t = new Thread(r, "runc-deadlines");
            t.setDaemon(true);
            return t;
        }, TICK.toNanos(), TimeUnit.NANOSECONDS, 512, false);
        private final AtomicLong struck = new AtomicLong();

        /** Deadlines that struck so far (their late action ran). */
        long struck() {
            return struck.get();
        }

        @Override
        public void close() {
            timer.stop();
        }
    }

    /**
     * The call's side, once its wait ended (answered or failed): true when it ended in time (the late action will not
     * run), false when the deadline settled the call first (its late action runs or ran).
     */
    boolean inTime() {
        timer.cancel();
        return settled.compareAndSet(false, true);
    }
}
