package cloud.agora.marketplace.messaging;

import cloud.agora.marketplace.domain.MarketDesk;
import cloud.agora.marketplace.domain.MarketRules;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.support.kafka.KafkaClients;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows governance's decisions ({@code governance.decisions.v1}) and applies the market's
 * own without a restart: the heartbeat timeout changes in the running book, the maximum bid
 * lifetime for the next bid. Offsets are committed only after a decision is recorded, so a
 * crash re-reads it (applying it again changes nothing). A record governance did not sign is
 * quarantined, not applied ({@link SignedEvents}).
 */
@ApplicationScoped
public class DecisionFollower {

    private static final Logger LOG = Logger.getLogger(DecisionFollower.class);
    private static final String GROUP = "marketplace";
    private static final TypeReference<EventEnvelope<ParameterChanged>> DECISION = new TypeReference<>() {
    };

    private final MarketRules rules;
    private final MarketDesk desk;
    private final SignedEvents events;
    private final Optional<String> bootstrapServers;
    private volatile KafkaConsumer<String, String> consumer;
    private Thread follower;

    public DecisionFollower(MarketRules rules, MarketDesk desk, SignedEvents events,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        this.rules = rules;
        this.desk = desk;
        this.events = events;
        this.bootstrapServers = bootstrapServers;
    }

    void start(@Observes StartupEvent event) {
        if (bootstrapServers.isEmpty()) {
            LOG.warn("kafka.bootstrap.servers is not set: governance decisions are not followed");
            return;
        }
        events.follow(Topics.GOVERNANCE_DECISIONS, GROUP);
        follower = new Thread(this::follow, "governance-decisions");
        follower.setDaemon(true);
        follower.start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (consumer != null) {
            consumer.wakeup();
        }
    }

    private void follow() {
        Properties props = new Properties();
        props.putAll(KafkaClients.connection(bootstrapServers.get()));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> kafka = new KafkaConsumer<>(props)) {
            consumer = kafka;
            kafka.subscribe(List.of(Topics.GOVERNANCE_DECISIONS));
            while (true) {
                for (ConsumerRecord<String, String> record : kafka.poll(Duration.ofSeconds(1))) {
                    apply(record);
                }
                kafka.commitSync();
            }
        } catch (WakeupException stopping) {
            LOG.debug("no longer following governance decisions");
        } catch (RuntimeException e) {
            LOG.errorf(e, "following governance decisions stopped");
        }
    }

    private void apply(ConsumerRecord<String, String> record) {
        if (!events.admit(GROUP, record)) {
            return;
        }
        EventEnvelope<ParameterChanged> event;
        try {
            event = JsonCodec.read(record.value(), DECISION);
        } catch (IllegalArgumentException malformed) {
            events.quarantine(GROUP, record, "unreadable decision: " + malformed.getMessage());
            return;
        }
        if (!ParameterChanged.TYPE.equals(event.type()) || event.data() == null) {
            return;
        }
        while (true) {
            try {
                if (rules.apply(event.id(), event.data())) {
                    LOG.infof("governance set %s = %s (proposal %d)", event.data().name(), event.data().value(),
                            event.data().proposalId());
                    if (MarketRules.HEARTBEAT_TIMEOUT.equals(event.data().name())) {
                        desk.heartbeatTimeout(rules.heartbeatTimeout());
                    }
                }
                return;
            } catch (SQLException e) {
                // the decision must not be skipped: wait for the database and try again
                LOG.warnf("recording decision %s failed, retrying: %s", event.id(), e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new WakeupException();
                }
            }
        }
    }
}
