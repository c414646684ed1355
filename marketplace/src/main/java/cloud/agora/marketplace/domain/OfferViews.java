package cloud.agora.marketplace.domain;

import cloud.agora.protocol.market.OfferView;

/** Maps the book's view of a provider to the public offer record. */
public final class OfferViews {

    private OfferViews() {
    }

    public static OfferView of(OrderBook.ProviderState state) {
        Provider p = state.provider();
        return new OfferView(p.address(), p.endpoint(), p.region(), p.attributes(),
                p.offer() == null ? null : p.offer().capacity(), state.free(),
                p.offer() == null ? null : p.offer().prices(), state.available(), p.lastHeartbeatAt(),
                state.reliability().score());
    }
}
