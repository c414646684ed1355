package cloud.agora.functions.messaging;

import cloud.agora.functions.domain.CallAdmission;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Follows billing's credit decisions ({@code billing.credit.v1}): CreditExhausted pauses a developer's functions, CreditRestored resumes them. */
@Singleton
public class CreditFollower extends TopicFollower {

    private static final Logger LOG = Logger.getLogger(CreditFollower.class);
    private static final TypeReference<EventEnvelope<CreditView>> ENVELOPE = new TypeReference<>() {
    };

    private final CallAdmission admission;

    public CreditFollower(CallAdmission admission,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        super(BillingEvents.CREDIT_TOPIC, "functions-credit", bootstrapServers);
        this.admission = admission;
    }

    void start(@Observes StartupEvent event) {
        startFollowing();
    }

    void stop(@Observes ShutdownEvent event) {
        stopFollowing();
    }

    @Override
    void handle(ConsumerRecord<String, String> record) {
        EventEnvelope<CreditView> event;
        try {
            event = JsonCodec.read(record.value(), ENVELOPE);
        } catch (IllegalArgumentException malformed) {
            LOG.warnf("skipping a malformed credit record at offset %d: %s", record.offset(), malformed.getMessage());
            return;
        }
        boolean exhausted = BillingEvents.CREDIT_EXHAUSTED.equals(event.type());
        if ((!exhausted && !BillingEvents.CREDIT_RESTORED.equals(event.type())) || event.data() == null) {
            return;
        }
        admission.creditDecided(event.data().consumer().value(), exhausted, event.time(), event.id());
        LOG.infof("credit of %s: %s", event.data().consumer(), exhausted ? "paused" : "restored");
    }
}
