package cloud.agora.marketplace.messaging;

import cloud.agora.marketplace.domain.MarketDesk;
import cloud.agora.marketplace.domain.MarketRules;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.events.EventFollower;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.support.jdbc.StoreException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows governance's decisions ({@code governance.decisions.v1}, group {@code marketplace}) and applies the market's
 * own without a restart: the heartbeat timeout changes in the running book, the maximum bid lifetime for the next
 * bid. Offsets are committed only after a decision is recorded, so a crash re-reads it (applying it again changes
 * nothing). A record governance did not sign, or one that is no decision, is quarantined; a decision that cannot be
 * recorded (the database is down) is retried ({@link EventFollower}).
 */
@Singleton
public class DecisionFollower extends EventFollower<ParameterChanged> {

    private static final Logger LOG = Logger.getLogger(DecisionFollower.class);
    private static final TypeReference<EventEnvelope<ParameterChanged>> DECISION = new TypeReference<>() {
    };

    private final MarketRules rules;
    private final MarketDesk desk;

    public DecisionFollower(MarketRules rules, MarketDesk desk, SignedEvents events,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        super(Topics.GOVERNANCE_DECISIONS, "marketplace", bootstrapServers, DECISION, "decision", events);
        this.rules = rules;
        this.desk = desk;
    }

    void start(@Observes StartupEvent event) {
        startFollowing();
    }

    void stop(@Observes ShutdownEvent event) {
        stopFollowing();
    }

    @Override
    protected void handle(EventEnvelope<ParameterChanged> event) {
        if (!ParameterChanged.TYPE.equals(event.type()) || event.data() == null) {
            return;
        }
        try {
            if (rules.apply(event.id(), event.data())) {
                LOG.infof("governance set %s = %s (proposal %d)", event.data().name(), event.data().value(),
                        event.data().proposalId());
                if (MarketRules.HEARTBEAT_TIMEOUT.equals(event.data().name())) {
                    desk.heartbeatTimeout(rules.heartbeatTimeout());
                }
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }
}
