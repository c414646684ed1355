package cloud.agora.agent.lease;

import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.ProviderRegistration;
import java.util.List;
import java.util.function.Consumer;

/** Stand-alone mode (no marketplace URL configured): every call reports the marketplace unavailable, so nothing is torn down. */
public final class NoMarketplace implements Marketplace {

    private static MarketplaceUnavailableException none() {
        return new MarketplaceUnavailableException("no marketplace configured (agent.marketplace.url)", null);
    }

    @Override
    public void register(ProviderRegistration registration) {
        throw none();
    }

    @Override
    public void publishOffer(OfferSpec offer) {
        throw none();
    }

    @Override
    public void heartbeat(Heartbeat heartbeat) {
        throw none();
    }

    @Override
    public List<LeaseView> leases() {
        throw none();
    }

    @Override
    public AutoCloseable follow(Consumer<LeaseEvent> events) {
        return () -> { };
    }
}
