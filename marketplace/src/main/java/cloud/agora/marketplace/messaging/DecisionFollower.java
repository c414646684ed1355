package cloud.agora.marketplace.messaging;

import cloud.agora.marketplace.domain.MarketDesk;
import cloud.agora.marketplace.domain.MarketRules;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.events.Following;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.support.jdbc.StoreException;
import cloud.agora.support.writer.SingleWriter;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.faulttolerance.api.ApplyGuard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.SQLException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Follows governance's decisions ({@code governance.decisions.v1}, channel {@value #CHANNEL}) and applies the market's
 * own without a restart: the heartbeat timeout changes in the running book, the maximum bid lifetime for the next
 * bid. A decision is acknowledged only after it is recorded, so a crash re-reads it (applying it again changes
 * nothing). A record governance did not sign, or one that is no decision, is quarantined; a decision that cannot be
 * recorded (the database is down) is retried ({@link Following}).
 */
@ApplicationScoped
public class DecisionFollower {

    static final String CHANNEL = "governance-decisions";
    private static final Logger LOG = Logger.getLogger(DecisionFollower.class);
    private static final TypeReference<EventEnvelope<ParameterChanged>> DECISION = new TypeReference<>() {
    };

    private final MarketRules rules;
    private final MarketDesk desk;
    private final SignedEvents events;
    private final SingleWriter writer;

    public DecisionFollower(MarketRules rules, MarketDesk desk, SignedEvents events, SingleWriter writer) {
        this.rules = rules;
        this.desk = desk;
        this.events = events;
        this.writer = writer;
    }

    void start(@Observes StartupEvent event) {
        events.followChannel(CHANNEL, Topics.GOVERNANCE_DECISIONS);
    }

    @Incoming(CHANNEL)
    @Blocking
    @ApplyGuard(Following.GUARD)
    public void follow(ConsumerRecord<String, String> record) {
        EventEnvelope<ParameterChanged> event = events.open(record, DECISION, "decision");
        if (!ParameterChanged.TYPE.equals(event.type()) || event.data() == null) {
            return;
        }
        try {
            if (rules.apply(event.id(), event.data())) {
                LOG.infof("governance set %s = %s (proposal %d)", event.data().name(), event.data().value(),
                        event.data().proposalId());
                // a standby only records the decision: the writer's book reads it when it is loaded
                if (MarketRules.HEARTBEAT_TIMEOUT.equals(event.data().name()) && writer.isWriter()) {
                    desk.heartbeatTimeout(rules.heartbeatTimeout());
                }
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }
}
