package cloud.agora.functions.messaging;

import cloud.agora.functions.persistence.DeploymentStore;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows {@code marketplace.leases.v1}: a {@code LeaseClosed} removes that replica from its
 * deployment at once, so the gateway stops routing to it without waiting for the developer to
 * read the deployment. Replaying a record changes nothing.
 */
@Singleton
public class LeaseFollower extends TopicFollower {

    private static final Logger LOG = Logger.getLogger(LeaseFollower.class);
    private static final TypeReference<EventEnvelope<LeaseView>> ENVELOPE = new TypeReference<>() {
    };

    private final DeploymentStore deployments;

    public LeaseFollower(DeploymentStore deployments,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        super(Topics.MARKETPLACE_LEASES, "functions-leases", bootstrapServers);
        this.deployments = deployments;
    }

    void start(@Observes StartupEvent event) {
        startFollowing();
    }

    void stop(@Observes ShutdownEvent event) {
        stopFollowing();
    }

    @Override
    void handle(ConsumerRecord<String, String> record) {
        EventEnvelope<LeaseView> event;
        try {
            event = JsonCodec.read(record.value(), ENVELOPE);
        } catch (IllegalArgumentException malformed) {
            LOG.warnf("skipping a malformed lease record at offset %d: %s", record.offset(), malformed.getMessage());
            return;
        }
        if (!MarketEvents.LEASE_CLOSED.equals(event.type()) || event.data() == null) {
            return;
        }
        int changed = deployments.dropLease(event.data().id(), Instant.now());
        if (changed > 0) {
            LOG.infof("lease %s closed (%s): its replica no longer receives calls", event.data().id(),
                    event.data().closeReason());
        }
    }
}
