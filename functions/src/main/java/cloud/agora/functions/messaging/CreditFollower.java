package cloud.agora.functions.messaging;

import cloud.agora.functions.domain.invocation.CallAdmission;
import cloud.agora.functions.domain.invocation.SpendingBudget;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.event.EventEnvelope;
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
import org.jboss.logging.Logger;

/**
 * Follows billing's credit decisions ({@code billing.credit.v1}, channel {@value #CHANNEL}): CreditExhausted pauses a
 * developer's functions, CreditRestored resumes them; each of them and every CreditReviewed records billing's newest
 * spendable figure, under which the {@link SpendingBudget} holds the calls it grants.
 * Failures follow {@link Following}.
 */
@ApplicationScoped
public class CreditFollower {

    static final String CHANNEL = "credit-decisions";
    private static final Logger LOG = Logger.getLogger(CreditFollower.class);
    private static final TypeReference<EventEnvelope<CreditView>> ENVELOPE = new TypeReference<>() {
    };

    private final CallAdmission admission;
    private final SignedEvents events;

    public CreditFollower(CallAdmission admission, SignedEvents events) {
        this.admission = admission;
        this.events = events;
    }

    void start(@Observes StartupEvent event) {
        events.followChannel(CHANNEL, BillingEvents.CREDIT_TOPIC);
    }

    @Incoming(CHANNEL)
    @Blocking
    @ApplyGuard(Following.GUARD)
    public void follow(ConsumerRecord<String, String> record) {
        handle(events.open(record, ENVELOPE, "credit"));
    }

    void handle(EventEnvelope<CreditView> event) {
        boolean reviewed = BillingEvents.CREDIT_REVIEWED.equals(event.type());
        boolean exhausted = BillingEvents.CREDIT_EXHAUSTED.equals(event.type());
        if ((!exhausted && !reviewed && !BillingEvents.CREDIT_RESTORED.equals(event.type())) || event.data() == null) {
            return;
        }
        // a review changed nothing in kind: it carries its paused state and its spendable figure like a decision
        boolean paused = reviewed ? event.data().paused() : exhausted;
        admission.creditDecided(event.data().consumer().value(), paused, event.time(), event.id(), event.data().spendable());
        if (!reviewed) {
            LOG.infof("credit of %s: %s", event.data().consumer(), exhausted ? "paused" : "restored");
        }
    }
}
