package cloud.agora.agent.runtime.runc;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
    private final ScheduledFuture<?> timer;

    /** Runs {@code late} on the timer's thread after {@code nanos} unless the call settles first. */
    CallDeadline(ScheduledExecutorService timers, long nanos, Runnable late) {
        this.timer = timers.schedule(() -> {
            if (settled.compareAndSet(false, true)) {
                late.run();
            }
        }, Math.max(nanos, 0), TimeUnit.NANOSECONDS);
    }

    /**
     * The call's side, once its wait ended (answered or failed): true when it ended in time (the late action will not
     * run), false when the deadline settled the call first (its late action runs or ran).
     */
    boolean inTime() {
        timer.cancel(false);
        return settled.compareAndSet(false, true);
    }
}
