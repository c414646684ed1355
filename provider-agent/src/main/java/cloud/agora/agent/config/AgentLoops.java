package cloud.agora.agent.config;

import cloud.agora.agent.inventory.OfferPublisher;
import cloud.agora.agent.journal.ReceiptShipper;
import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.lease.Marketplace;
import cloud.agora.agent.runtime.WorkloadRuntime;
import cloud.agora.agent.runtime.runc.RuncRuntime;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The agent's periodic work: heartbeat + offer, full lease resync, following the lease stream,
 * receipt shipping and warm-pool eviction. Each loop skips a tick while the previous one runs.
 */
@ApplicationScoped
public class AgentLoops {

    private static final Logger LOG = Logger.getLogger(AgentLoops.class);

    private final AgentConfig config;
    private final Marketplace marketplace;
    private final LeaseReconciler reconciler;
    private final OfferPublisher offers;
    private final ReceiptShipper shipper;
    private final WorkloadRuntime runtime;
    private AutoCloseable stream;

    public AgentLoops(AgentConfig config, Marketplace marketplace, LeaseReconciler reconciler, OfferPublisher offers,
            ReceiptShipper shipper, WorkloadRuntime runtime) {
        this.config = config;
        this.marketplace = marketplace;
        this.reconciler = reconciler;
        this.offers = offers;
        this.shipper = shipper;
        this.runtime = runtime;
    }

    void start(@Observes StartupEvent event) {
        if (config.marketplace().url().isPresent()) {
            stream = marketplace.follow(reconciler::apply);
        } else {
            LOG.info("no marketplace URL configured: running stand-alone");
        }
        if (!shipper.enabled()) {
            LOG.warn("receipt shipping is off (neither kafka.bootstrap.servers nor agent.billing.url is set): receipts stay in the journal");
        }
    }

    void stop(@Observes ShutdownEvent event) throws Exception {
        if (stream != null) {
            stream.close();
        }
    }

    @Scheduled(every = "${agent.marketplace.heartbeat-interval:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void heartbeat() {
        if (config.marketplace().url().isPresent()) {
            offers.tick();
        }
    }

    @Scheduled(every = "${agent.marketplace.resync-interval:30s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void resync() {
        if (config.marketplace().url().isPresent()) {
            reconciler.resync();
        }
    }

    @Scheduled(every = "${agent.journal.ship-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void ship() {
        shipper.shipPending();
    }

    @Scheduled(every = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void evictIdleContainers() {
        if (runtime instanceof RuncRuntime runc) {
            runc.evictIdle();
        }
    }
}
