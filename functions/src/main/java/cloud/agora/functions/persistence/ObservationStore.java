package cloud.agora.functions.persistence;

import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.reputation.CallObservations;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.outbox.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** What the gateway publishes of providers' calls ({@code CallObservations}), on its way out through the outbox. */
@ApplicationScoped
public class ObservationStore {

    private final Transactions tx;
    private final Outbox outbox;

    public ObservationStore(Transactions tx, Outbox outbox) {
        this.tx = tx;
        this.outbox = outbox;
    }

    /** Appends the observations to the outbox for {@code functions.observations.v1}, all in one transaction. */
    public void append(List<EventEnvelope<CallObservations>> events) {
        tx.inTransaction(c -> {
            for (EventEnvelope<CallObservations> event : events) {
                outbox.append(c, Topics.FUNCTIONS_OBSERVATIONS, event);
            }
            return null;
        });
    }
}
