package cloud.agora.support.events;

import io.quarkus.arc.Unremovable;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaConnectorIncomingConfiguration;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.fault.KafkaFailureHandler;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.BiConsumer;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * The platform's failure strategy for SmallRye Kafka channels ({@code failure-strategy=quarantine}): a record its
 * {@code @Incoming} method gave up on is copied to the quarantine topic ({@link SignedEvents#quarantine}, with the
 * reason, the consumer group and the origin in headers) and acknowledged, so the channel goes on with the next. It is
 * SmallRye's dead-letter queue with the headers billing's own loop writes too, so that one topic reads one way.
 */
@ApplicationScoped
@Unremovable
@Identifier(QuarantineStrategy.NAME)
public class QuarantineStrategy implements KafkaFailureHandler.Factory {

    /** The strategy's name in {@code failure-strategy}. */
    public static final String NAME = "quarantine";

    private final SignedEvents events;

    public QuarantineStrategy(SignedEvents events) {
        this.events = events;
    }

    @Override
    public KafkaFailureHandler create(KafkaConnectorIncomingConfiguration config, Vertx vertx,
            KafkaConsumer<?, ?> consumer, BiConsumer<Throwable, Boolean> reportFailure) {
        String name = config.getGroupId().orElse(config.getChannel());
        return new KafkaFailureHandler() {
            @Override
            public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record, Throwable failure, Metadata metadata) {
                String reason = failure instanceof RefusedRecord ? failure.getMessage()
                        : Following.GAVE_UP + failure.getMessage();
                return Uni.createFrom().completionStage(events.quarantine(name, record.getTopic(), record.getPartition(),
                        record.getOffset(), text(record.getKey()), text(record.getPayload()), record.getHeaders(), reason))
                        .chain(() -> Uni.createFrom().completionStage(record.ack()));
            }
        };
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
