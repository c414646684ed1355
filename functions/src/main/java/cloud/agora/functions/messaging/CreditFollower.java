package cloud.agora.functions.messaging;

import cloud.agora.functions.domain.CallAdmission;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.support.events.EventFollower;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows billing's credit decisions ({@code billing.credit.v1}): CreditExhausted pauses a developer's functions,
 * CreditRestored resumes them; each of them and every CreditReviewed records billing's newest spendable figure, under
 * which the {@link cloud.agora.functions.domain.SpendingBudget} holds the calls it grants.
 */
@Singleton
public class CreditFollower extends EventFollower<CreditView> {

    private static final Logger LOG = Logger.getLogger(CreditFollower.class);
    private static final TypeReference<EventEnvelope<CreditView>> ENVELOPE = new TypeReference<>() {
    };

    private final CallAdmission admission;

    public CreditFollower(CallAdmission admission,
            SignedEvents events,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        super(BillingEvents.CREDIT_TOPIC, "functions-credit", bootstrapServers, ENVELOPE, "credit", events);
        this.admission = admission;
    }

    void start(@Observes StartupEvent event) {
        startFollowing();
    }

    void stop(@Observes ShutdownEvent event) {
        stopFollowing();
    }

    @Override
    protected void handle(EventEnvelope<CreditView> event) {
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
