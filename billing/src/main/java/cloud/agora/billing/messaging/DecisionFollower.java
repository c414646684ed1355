package cloud.agora.billing.messaging;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.billing.domain.BillingRules;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows governance's decisions ({@code governance.decisions.v1}) and records billing's own through
 * {@link BillingRules}: the credit floor and voucher threshold in effect change without a restart. Offsets are
 * committed only after a batch is recorded (see {@link TopicLoop}); a decision applied twice changes nothing.
 */
@ApplicationScoped
public class DecisionFollower {

    private static final Logger LOG = Logger.getLogger(DecisionFollower.class);
    private static final TypeReference<EventEnvelope<ParameterChanged>> DECISION = new TypeReference<>() {
    };

    private final BillingConfig config;
    private final Optional<String> bootstrapServers;
    private final BillingRules rules;
    private final SignedEvents events;
    private TopicLoop<?> loop;

    public DecisionFollower(BillingConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers,
            BillingRules rules, SignedEvents events) {
        this.events = events;
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.rules = rules;
    }

    void start(@Observes StartupEvent event) {
        if (!config.ingestion().kafka() || bootstrapServers.isEmpty()) {
            LOG.info("Kafka is off: governed parameters stay at their configured or recorded values");
            return;
        }
        loop = TopicLoop.of(bootstrapServers.get(), config.ingestion(), Topics.GOVERNANCE_DECISIONS, 100, events,
                this::onDecisions);
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.stop();
        }
    }

    void onDecisions(List<ConsumerRecord<String, String>> records) {
        for (ConsumerRecord<String, String> record : records) {
            EventEnvelope<ParameterChanged> decision;
            try {
                decision = JsonCodec.read(record.value(), DECISION);
            } catch (RuntimeException e) {
                events.quarantine(config.ingestion().consumerGroup(), record, "unreadable decision: " + e.getMessage());
                continue;
            }
            if (ParameterChanged.TYPE.equals(decision.type()) && decision.data() != null) {
                // a database failure throws: TopicLoop rewinds and retries, so no decision is skipped
                rules.apply(decision.id(), decision.data());
            }
        }
    }
}
