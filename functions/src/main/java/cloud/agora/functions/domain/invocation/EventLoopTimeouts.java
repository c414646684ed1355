package cloud.agora.functions.domain.invocation;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link CompletableFuture#completeOnTimeout} with the event loop's own timer when called on one. The JDK's version
 * schedules on one shared delayer thread, which is woken to take every timer and again to drop it: on the gateway's
 * call path (the wait for a call's recording, {@code record-wait}) that cost each call about 20 µs of latency on a
 * two-core machine (functions README, "The gateway's overhead at 1.13 ms"). A timer set on the loop from the loop
 * wakes no thread.
 */
final class EventLoopTimeouts {

    private EventLoopTimeouts() {
    }

    /** {@code future}, completed with null after {@code timeout} unless it completed before; the same future. */
    static <T> CompletableFuture<T> completeOnTimeout(CompletableFuture<T> future, Duration timeout) {
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext() || !Context.isOnEventLoopThread()) {
            return future.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        Vertx vertx = context.owner();
        long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), fired -> future.complete(null));
        // runs after the future's other dependents (registered later, run first): the answer goes out before this
        future.whenComplete((value, failure) -> vertx.cancelTimer(timer));
        return future;
    }
}
