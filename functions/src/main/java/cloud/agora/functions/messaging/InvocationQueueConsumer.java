package cloud.agora.functions.messaging;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.async.AsyncInvoker;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.support.events.Following;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.faulttolerance.api.ApplyGuard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code functions.invocations.v1} (channel {@value #CHANNEL}) and hands each id to a bounded worker pool
 * ({@code async-workers}; when it is full the channel's thread runs the call itself, which slows consumption instead
 * of dropping). The database row, not the offset, is the truth: a row left QUEUED or RUNNING by a crash is run again
 * by the sweeper. Failures follow {@link Following}.
 */
@ApplicationScoped
public class InvocationQueueConsumer {

    static final String CHANNEL = "async-invocations";
    private static final Logger LOG = Logger.getLogger(InvocationQueueConsumer.class);
    private static final TypeReference<EventEnvelope<JsonNode>> ENVELOPE = new TypeReference<>() {
    };

    private final AsyncInvoker invoker;
    private final SignedEvents events;
    private final ThreadPoolExecutor workers;

    public InvocationQueueConsumer(AsyncInvoker invoker, FunctionsConfig config, SignedEvents events) {
        this.invoker = invoker;
        this.events = events;
        this.workers = new ThreadPoolExecutor(config.asyncWorkers(), config.asyncWorkers(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.asyncWorkers() * 4), r -> {
                    Thread t = new Thread(r, "async-invocation");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
    }

    void start(@Observes StartupEvent event) {
        events.followChannel(CHANNEL, Topics.FUNCTIONS_INVOCATIONS);
    }

    void stop(@Observes ShutdownEvent event) {
        workers.shutdown();
    }

    @Incoming(CHANNEL)
    @Blocking
    @ApplyGuard(Following.GUARD)
    public void follow(ConsumerRecord<String, String> record) {
        EventEnvelope<JsonNode> event = events.open(record, ENVELOPE, "invocation");
        if (!AsyncInvoker.REQUESTED.equals(event.type())) {
            return;
        }
        UUID id;
        try {
            id = UUID.fromString(event.id());
        } catch (IllegalArgumentException malformed) {
            LOG.warnf("skipping a malformed invocation record: its id %s is not a UUID", event.id());
            return;
        }
        workers.execute(() -> invoker.run(id));
    }

    @Scheduled(every = "${agora.functions.async-sweep:30s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        for (UUID id : invoker.stalled()) {
            workers.execute(() -> invoker.run(id));
        }
    }
}
