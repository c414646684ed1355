package cloud.agora.support.work;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.context.ThreadContext;
import org.jboss.logging.Logger;

/**
 * A background worker that runs one kind of round (publish the outbox, fulfil queued pins), one round at a time, on a
 * {@link ManagedExecutor} of MicroProfile Context Propagation limited to one task at a time. In Quarkus that executor
 * is a view of the application's worker pool: the worker owns no thread; outside Quarkus (plain unit tests) the
 * builder gives it a pool of its own.
 *
 * <p>{@link #nudge()} asks for a round soon and never blocks: a nudge while a round waits to run adds nothing, a nudge
 * while a round runs asks for one more after it, so work committed during a round is not left for the next tick.
 * Rounds run in no caller's context (nothing is propagated): a round serves every nudge made before it.
 *
 * <p>Lifecycle: {@link #start()} once, at the service's start (a nudge made before it is remembered and runs then);
 * {@link #stop(Duration)} once, at its shutdown: no round starts any more, the round in flight gets the grace period
 * to end and is then interrupted. A worker never started stops at once.
 */
public final class SerialWorker {

    private static final Logger LOG = Logger.getLogger(SerialWorker.class);

    private final String name;
    private final Runnable round;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile ManagedExecutor executor;
    private volatile boolean stopped;

    /**
     * @param name  what the worker does, for logs
     * @param round one round of work; it should catch what it expects, anything it throws is logged and the next
     *              nudge runs it again
     */
    public SerialWorker(String name, Runnable round) {
        this.name = name;
        this.round = round;
    }

    /** Starts taking nudges (and runs a round if one was asked for before). Once; later calls do nothing. */
    public synchronized void start() {
        if (executor != null || stopped) {
            return;
        }
        executor = ManagedExecutor.builder()
                .maxAsync(1)
                .maxQueued(-1)
                .propagated(ThreadContext.NONE)
                .cleared(ThreadContext.NONE)
                .build();
        if (queued.get()) {
            submit(executor);
        }
    }

    /** Asks for a round soon. Never blocks; after {@link #stop} it does nothing. */
    public void nudge() {
        if (queued.compareAndSet(false, true)) {
            ManagedExecutor running = executor;
            if (running != null) {
                submit(running);
            }
        }
    }

    private void submit(ManagedExecutor target) {
        if (stopped) {
            return;
        }
        try {
            target.execute(this::runRound);
        } catch (RejectedExecutionException e) {
            // stopping: the round is not needed any more
        }
    }

    private void runRound() {
        queued.set(false);
        if (stopped) {
            return;
        }
        try {
            round.run();
        } catch (RuntimeException e) {
            LOG.warnf(e, "%s: a round failed; the next nudge runs it again", name);
        }
    }

    /**
     * Stops the worker: no round starts any more; the round in flight gets {@code grace} to end, then is interrupted.
     * Returns once the worker is idle or the grace (and a short wait after the interrupt) is spent.
     */
    public void stop(Duration grace) {
        ManagedExecutor running;
        synchronized (this) {
            stopped = true;
            running = executor;
        }
        if (running == null) {
            return;
        }
        running.shutdown();
        try {
            if (!running.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.infof("%s: the round in flight did not end within %s; interrupting it", name, grace);
                running.shutdownNow();
                running.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.shutdownNow();
        }
    }
}
