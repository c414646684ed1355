package cloud.agora.functions.messaging;

import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.events.Following;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.faulttolerance.api.ApplyGuard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Follows governance's decisions ({@code governance.decisions.v1}, channel {@value #CHANNEL}) and records this
 * service's own through {@link FunctionRules}: {@code functions.max-timeout}, {@code functions.max-body-size},
 * {@code functions.max-image-size} and {@code functions.log-retention} change the gateway's limits without a restart;
 * other parameters are ignored. A decision applied twice changes
 * nothing. Failures follow {@link Following}.
 */
@ApplicationScoped
public class DecisionFollower {

    static final String CHANNEL = "governance-decisions";
    private static final TypeReference<EventEnvelope<ParameterChanged>> ENVELOPE = new TypeReference<>() {
    };

    private final FunctionRules rules;
    private final SignedEvents events;

    public DecisionFollower(FunctionRules rules, SignedEvents events) {
        this.rules = rules;
        this.events = events;
    }

    void start(@Observes StartupEvent event) {
        events.followChannel(CHANNEL, Topics.GOVERNANCE_DECISIONS);
    }

    @Incoming(CHANNEL)
    @Blocking
    @ApplyGuard(Following.GUARD)
    public void follow(ConsumerRecord<String, String> record) {
        EventEnvelope<ParameterChanged> event = events.open(record, ENVELOPE, "decision");
        if (ParameterChanged.TYPE.equals(event.type()) && event.data() != null) {
            rules.apply(event.id(), event.data());
        }
    }
}
