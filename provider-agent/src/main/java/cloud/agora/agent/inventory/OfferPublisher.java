package cloud.agora.agent.inventory;

import cloud.agora.agent.lease.Marketplace;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.ProviderRegistration;
import cloud.agora.protocol.resources.Prices;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Keeps the marketplace informed: registers the provider and publishes its offer once (again
 * after a failure), then heartbeats the free capacity on every tick.
 */
public final class OfferPublisher {

    private static final Logger LOG = Logger.getLogger(OfferPublisher.class);

    private final Marketplace marketplace;
    private final InventoryProbe probe;
    private final Address provider;
    private final String endpoint;
    private final String region;
    private final Map<String, String> attributes;
    private final Prices prices;
    private boolean published;

    public OfferPublisher(Marketplace marketplace, InventoryProbe probe, Address provider, String endpoint, String region,
            Map<String, String> attributes, Prices prices) {
        this.marketplace = marketplace;
        this.probe = probe;
        this.provider = provider;
        this.endpoint = endpoint;
        this.region = region;
        this.attributes = attributes;
        this.prices = prices;
    }

    /** One tick: publish if not yet done, then heartbeat. Failures are logged and retried next tick. */
    public synchronized void tick() {
        try {
            HostInventory inventory = probe.probe();
            if (!published) {
                marketplace.register(new ProviderRegistration(provider, endpoint, region, attributes));
                marketplace.publishOffer(new OfferSpec(inventory.capacity(), prices));
                published = true;
                LOG.infof("offer published: %s at %s", inventory.capacity(), prices);
            }
            marketplace.heartbeat(new Heartbeat(inventory.free()));
        } catch (RuntimeException e) {
            LOG.warnf("cannot reach the marketplace: %s", e.getMessage());
        }
    }
}
