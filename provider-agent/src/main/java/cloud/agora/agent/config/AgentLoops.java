package cloud.agora.agent.config;

import cloud.agora.agent.gateway.GatewayDirectory;
import cloud.agora.agent.gateway.GatewayTrust;
import cloud.agora.agent.inventory.OfferPublisher;
import cloud.agora.agent.journal.ReceiptReconciler;
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
 * The agent's periodic work: heartbeat + offer, full lease resync (and gateway keys refresh), following the lease
 * stream, learning the gateway keys, receipt shipping, anti-entropy with billing and warm-pool eviction. Each loop skips a tick while the previous one runs.
 */
@ApplicationScoped
public class AgentLoops {

    private static final Logger LOG = Logger.getLogger(AgentLoops.class);

    private final AgentConfig config;
    private final Marketplace marketplace;
    private final LeaseReconciler reconciler;
    private final OfferPublisher offers;
    private final ReceiptShipper shipper;
    private final ReceiptReconciler receipts;
    private final WorkloadRuntime runtime;
    private final GatewayTrust trust;
    private final GatewayDirectory gateways;
    private AutoCloseable stream;

    public AgentLoops(AgentConfig config, Marketplace marketplace, LeaseReconciler reconciler, OfferPublisher offers,
            ReceiptShipper shipper, ReceiptReconciler receipts, WorkloadRuntime runtime, GatewayTrust trust,
            GatewayDirectory gateways) {
        this.receipts = receipts;
        this.config = config;
        this.trust = trust;
        this.gateways = gateways;
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
        if (trust.learns()) {
            if (config.marketplace().url().isPresent()) {
                LOG.info("agent.gateways.* unset: learning the gateway keys from the marketplace; calls are refused until then");
            } else {
                LOG.warn("neither agent.gateways.* nor agent.marketplace.url is set: no gateway is trusted, every call and "
                        + "storage request is refused");
            }
        }
        if (!shipper.enabled()) {
            LOG.warn("receipt shipping is off (neither kafka.bootstrap.servers nor agent.billing.url is set): receipts stay in the journal");
        } else if (!receipts.enabled()) {
            LOG.info("agent.billing.url unset: no anti-entropy with billing (it asks billing's receipt tree over HTTPS)");
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
            trust.learnFrom(gateways);
        }
    }

    /** Until the gateway keys are known, asks the marketplace for them often; afterwards each resync refreshes them. */
    @Scheduled(every = "${agent.gateways.learn-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void learnGatewayKeys() {
        if (config.marketplace().url().isPresent() && !trust.known()) {
            trust.learnFrom(gateways);
        }
    }

    @Scheduled(every = "${agent.journal.ship-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void ship() {
        shipper.shipPending();
    }

    @Scheduled(every = "${agent.journal.reconcile-interval:10m}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reconcileReceipts() {
        receipts.reconcile();
    }

    /** The pass shipping asks for when it recovers from a failure (billing may have lost what it took meanwhile). */
    @Scheduled(every = "${agent.journal.ship-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reconcileAfterRecovery() {
        receipts.reconcileIfRequested();
    }

    @Scheduled(every = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void evictIdleContainers() {
        if (runtime instanceof RuncRuntime runc) {
            runc.evictIdle();
        }
    }
}
