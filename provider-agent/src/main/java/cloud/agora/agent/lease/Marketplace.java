package cloud.agora.agent.lease;

import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.ProviderRegistration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The marketplace as the agent needs it, signed in as this provider. Every call may throw
 * {@link MarketplaceUnavailableException} when the marketplace cannot be reached.
 */
public interface Marketplace {

    /** Registers (or re-registers) this provider. */
    void register(ProviderRegistration registration);

    /** Publishes the offer, replacing any earlier one. */
    void publishOffer(OfferSpec offer);

    /** Signs of life with the capacity free now. */
    void heartbeat(Heartbeat heartbeat);

    /** Every lease of this provider, active and closed: the truth reconciliation converges to. */
    List<LeaseView> leases();

    /**
     * Follows lease events until closed; reconnects by itself. Events are hints: a missed one is
     * repaired by the next full resync.
     */
    AutoCloseable follow(Consumer<LeaseEvent> events);

    /** A lease event from the stream. */
    record LeaseEvent(String type, LeaseView lease) {
    }
}
