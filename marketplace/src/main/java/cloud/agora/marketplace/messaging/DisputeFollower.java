package cloud.agora.marketplace.messaging;

import cloud.agora.marketplace.domain.ReputationFacts;
import cloud.agora.marketplace.domain.ReputationLedger;
import cloud.agora.protocol.dispute.DisputeDecided;
import cloud.agora.protocol.dispute.DisputeState;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
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
 * Follows billing's decisions of disputes over charges ({@code billing.disputes.v1}, channel {@value #CHANNEL}, its own
 * consumer group) and counts each into the provider's reputation in the hour it was decided, once by its envelope id:
 * upheld against the provider, rejected for it. Only records billing signed are read ({@link SignedEvents}); one that
 * cannot be recorded yet is retried ({@link Following}); a decision without a provider, a time or a decided state
 * counts nothing.
 */
@ApplicationScoped
public class DisputeFollower {

    static final String CHANNEL = "billing-disputes";
    private static final TypeReference<EventEnvelope<DisputeDecided>> DECISION = new TypeReference<>() {
    };

    private final ReputationLedger ledger;
    private final SignedEvents events;

    public DisputeFollower(ReputationLedger ledger, SignedEvents events) {
        this.ledger = ledger;
        this.events = events;
    }

    void start(@Observes StartupEvent event) {
        events.followChannel(CHANNEL, Topics.BILLING_DISPUTES);
    }

    @Incoming(CHANNEL)
    @Blocking
    @ApplyGuard(Following.GUARD)
    public void follow(ConsumerRecord<String, String> record) {
        EventEnvelope<DisputeDecided> event = events.open(record, DECISION, "dispute decision");
        DisputeDecided decided = event.data();
        if (!DisputeDecided.TYPE.equals(event.type()) || decided == null || decided.disputeId() == null
                || decided.provider() == null || decided.decidedAt() == null
                || (decided.state() != DisputeState.UPHELD && decided.state() != DisputeState.REJECTED)) {
            return;
        }
        // a dispute is decided once: counted once by its id, whatever envelope carried it
        ledger.record("dispute:" + decided.disputeId(), decided.provider(), decided.decidedAt(),
                ReputationFacts.dispute(decided.state()));
    }
}
