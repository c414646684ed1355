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

/** Follows billing's credit decisions ({@code billing.credit.v1}): CreditExhausted pauses a developer's functions, CreditRestored resumes them. */
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
        boolean exhausted = BillingEvents.CREDIT_EXHAUSTED.equals(event.type());
        if ((!exhausted && !BillingEvents.CREDIT_RESTORED.equals(event.type())) || event.data() == null) {
            return;
        }
        admission.creditDecided(event.data().consumer().value(), exhausted, event.time(), event.id());
        LOG.infof("credit of %s: %s", event.data().consumer(), exhausted ? "paused" : "restored");
    }
}
