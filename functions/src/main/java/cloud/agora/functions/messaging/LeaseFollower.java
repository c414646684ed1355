package cloud.agora.functions.messaging;

import cloud.agora.functions.domain.FunctionDeployer;
import cloud.agora.functions.persistence.DeploymentStore;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.support.events.EventFollower;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows {@code marketplace.leases.v1}: a {@code LeaseClosed} removes that replica from its
 * deployment at once, so the gateway stops routing to it without waiting for the developer to
 * read the deployment, and bids for a replacement replica on the developer's behalf. Replaying a
 * record changes nothing (the replica is already gone, so nothing is re-bid twice).
 */
@Singleton
public class LeaseFollower extends EventFollower<LeaseView> {

    private static final Logger LOG = Logger.getLogger(LeaseFollower.class);
    private static final TypeReference<EventEnvelope<LeaseView>> ENVELOPE = new TypeReference<>() {
    };

    private final DeploymentStore deployments;
    private final FunctionDeployer deployer;

    public LeaseFollower(DeploymentStore deployments, FunctionDeployer deployer,
            SignedEvents events,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        super(Topics.MARKETPLACE_LEASES, "functions-leases", bootstrapServers, ENVELOPE, "lease", events);
        this.deployments = deployments;
        this.deployer = deployer;
    }

    void start(@Observes StartupEvent event) {
        startFollowing();
    }

    void stop(@Observes ShutdownEvent event) {
        stopFollowing();
    }

    @Override
    protected void handle(EventEnvelope<LeaseView> event) {
        if (!MarketEvents.LEASE_CLOSED.equals(event.type()) || event.data() == null) {
            return;
        }
        List<UUID> changed = deployments.dropLease(event.data().id(), Instant.now());
        for (UUID deployment : changed) {
            LOG.infof("lease %s closed (%s): its replica no longer receives calls; bidding for a replacement",
                    event.data().id(), event.data().closeReason());
            try {
                deployer.replaceLostReplicas(deployment);
            } catch (RuntimeException e) {
                // the replica is out of routing already; the developer's next read of the deployment re-bids
                LOG.warnf("no replacement bid for deployment %s yet: %s", deployment, e.getMessage());
            }
        }
    }
}
