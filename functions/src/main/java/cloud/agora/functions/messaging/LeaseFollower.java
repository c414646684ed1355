package cloud.agora.functions.messaging;

import cloud.agora.functions.domain.deployment.FunctionDeployer;
import cloud.agora.functions.persistence.DeploymentStore;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.support.events.Following;
import cloud.agora.support.events.SignedEvents;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.faulttolerance.api.ApplyGuard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Follows {@code marketplace.leases.v1} (channel {@value #CHANNEL}): a {@code LeaseClosed} removes that replica from
 * its deployment at once, so the gateway stops routing to it without waiting for the developer to read the
 * deployment, and bids for a replacement replica on the developer's behalf. Replaying a record changes nothing (the
 * replica is already gone, so nothing is re-bid twice). Failures follow {@link Following}.
 */
@ApplicationScoped
public class LeaseFollower {

    static final String CHANNEL = "market-leases";
    private static final Logger LOG = Logger.getLogger(LeaseFollower.class);
    private static final TypeReference<EventEnvelope<LeaseView>> ENVELOPE = new TypeReference<>() {
    };

    private final DeploymentStore deployments;
    private final FunctionDeployer deployer;
    private final SignedEvents events;

    public LeaseFollower(DeploymentStore deployments, FunctionDeployer deployer, SignedEvents events) {
        this.deployments = deployments;
        this.deployer = deployer;
        this.events = events;
    }

    void start(@Observes StartupEvent event) {
        events.followChannel(CHANNEL, Topics.MARKETPLACE_LEASES);
    }

    @Incoming(CHANNEL)
    @Blocking
    @ApplyGuard(Following.GUARD)
    public void follow(ConsumerRecord<String, String> record) {
        EventEnvelope<LeaseView> event = events.open(record, ENVELOPE, "lease");
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
