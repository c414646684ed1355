package cloud.agora.functions.domain.invocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The record-wait bound: on an event loop by the loop's own timer, elsewhere by the JDK's delayer. */
class EventLoopTimeoutsTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void onAnEventLoopTheLoopsOwnTimerCompletesTheFuture() throws Exception {
        CompletableFuture<Void> recorded = new CompletableFuture<>();
        CompletableFuture<String> completedOn = new CompletableFuture<>();
        vertx.runOnContext(go -> EventLoopTimeouts.completeOnTimeout(recorded, Duration.ofMillis(50))
                .whenComplete((v, e) -> completedOn.complete(Thread.currentThread().getName())));
        assertThat(completedOn.get(30, TimeUnit.SECONDS)).startsWith("vert.x-eventloop-thread");
        assertThat(recorded.get()).isNull();
    }

    @Test
    void offAnEventLoopTheJdksDelayerCompletesTheFuture() throws Exception {
        CompletableFuture<Void> recorded = new CompletableFuture<>();
        CompletableFuture<String> completedOn = new CompletableFuture<>();
        EventLoopTimeouts.completeOnTimeout(recorded, Duration.ofMillis(50))
                .whenComplete((v, e) -> completedOn.complete(Thread.currentThread().getName()));
        assertThat(completedOn.get(30, TimeUnit.SECONDS)).doesNotStartWith("vert.x");
    }

    @Test
    void aFutureCompletedInTimeKeepsItsValue() throws Exception {
        CompletableFuture<String> recorded = new CompletableFuture<>();
        CompletableFuture<CompletableFuture<String>> bounded = new CompletableFuture<>();
        vertx.runOnContext(go -> bounded.complete(EventLoopTimeouts.completeOnTimeout(recorded, Duration.ofHours(1))));
        bounded.get(30, TimeUnit.SECONDS);
        recorded.complete("recorded");
        assertThat(bounded.get().get()).isEqualTo("recorded");
    }
}
