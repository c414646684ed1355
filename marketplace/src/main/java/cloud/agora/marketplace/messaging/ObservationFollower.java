package cloud.agora.marketplace.messaging;

import cloud.agora.marketplace.domain.ReputationFacts;
import cloud.agora.marketplace.domain.ReputationLedger;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.reputation.CallObservations;
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
 * Follows what functions gateways saw of the calls they sent to providers ({@code functions.observations.v1}, channel
 * {@value #CHANNEL}) and counts it into the providers' reputation, each record once by its id. Only records the
 * functions service signed are read ({@link SignedEvents}); one that cannot be recorded yet is retried
 * ({@link Following}).
 */
@ApplicationScoped
public class ObservationFollower {

    static final String CHANNEL = "call-observations";
    private static final TypeReference<EventEnvelope<CallObservations>> OBSERVATIONS = new TypeReference<>() {
    };

    private final ReputationLedger ledger;
    private final SignedEvents events;

    public ObservationFollower(ReputationLedger ledger, SignedEvents events) {
        this.ledger = ledger;
        this.events = events;
    }

    void start(@Observes StartupEvent event) {
        events.followChannel(CHANNEL, Topics.FUNCTIONS_OBSERVATIONS);
    }

    @Incoming(CHANNEL)
    @Blocking
    @ApplyGuard(Following.GUARD)
    public void follow(ConsumerRecord<String, String> record) {
        EventEnvelope<CallObservations> event = events.open(record, OBSERVATIONS, "call observations");
        CallObservations seen = event.data();
        if (!CallObservations.TYPE.equals(event.type()) || seen == null || seen.provider() == null || seen.to() == null) {
            return;
        }
        ledger.record(event.id(), seen.provider(), seen.to(), ReputationFacts.of(seen));
    }
}
