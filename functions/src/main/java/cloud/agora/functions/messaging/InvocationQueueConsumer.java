package cloud.agora.functions.messaging;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.AsyncInvoker;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.support.events.EventFollower;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Consumes {@code functions.invocations.v1} (group {@code functions-async}) and hands each id to
 * a bounded worker pool ({@code async-workers}; when it is full the consumer thread runs the
 * call itself, which slows consumption instead of dropping). The database row, not the offset,
 * is the truth: a row left QUEUED or RUNNING by a crash is run again by the sweeper.
 */
@Singleton
public class InvocationQueueConsumer extends EventFollower<JsonNode> {

    private static final Logger LOG = Logger.getLogger(InvocationQueueConsumer.class);
    private static final TypeReference<EventEnvelope<JsonNode>> ENVELOPE = new TypeReference<>() {
    };

    private final AsyncInvoker invoker;
    private final ThreadPoolExecutor workers;

    public InvocationQueueConsumer(AsyncInvoker invoker, FunctionsConfig config,
            SignedEvents events,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        super(Topics.FUNCTIONS_INVOCATIONS, "functions-async", bootstrapServers, ENVELOPE, "invocation", events);
        this.invoker = invoker;
        this.workers = new ThreadPoolExecutor(config.asyncWorkers(), config.asyncWorkers(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.asyncWorkers() * 4), r -> {
                    Thread t = new Thread(r, "async-invocation");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
    }

    void start(@Observes StartupEvent event) {
        startFollowing();
    }

    void stop(@Observes ShutdownEvent event) {
        stopFollowing();
        workers.shutdown();
    }

    @Override
    protected void handle(EventEnvelope<JsonNode> event) {
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
