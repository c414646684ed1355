package cloud.agora.functions.messaging;

import cloud.agora.functions.domain.FunctionRules;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.events.EventFollower;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Follows governance's decisions ({@code governance.decisions.v1}, group {@code functions-governance}) and records
 * this service's own through {@link FunctionRules}: {@code functions.max-timeout} and {@code functions.max-body-size}
 * change the gateway's limits without a restart; other parameters are ignored. A decision applied twice changes
 * nothing.
 */
@Singleton
public class DecisionFollower extends EventFollower<ParameterChanged> {

    private static final TypeReference<EventEnvelope<ParameterChanged>> ENVELOPE = new TypeReference<>() {
    };

    private final FunctionRules rules;

    public DecisionFollower(FunctionRules rules,
            SignedEvents events,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        super(Topics.GOVERNANCE_DECISIONS, "functions-governance", bootstrapServers, ENVELOPE, "decision", events);
        this.rules = rules;
    }

    void start(@Observes StartupEvent event) {
        startFollowing();
    }

    void stop(@Observes ShutdownEvent event) {
        stopFollowing();
    }

    @Override
    protected void handle(EventEnvelope<ParameterChanged> event) {
        if (ParameterChanged.TYPE.equals(event.type()) && event.data() != null) {
            rules.apply(event.id(), event.data());
        }
    }
}
