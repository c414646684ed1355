package cloud.agora.protocol.market;

/** The event types the marketplace emits (the envelope's {@code type}). */
public final class MarketEvents {

    public static final String SOURCE = "marketplace";
    public static final String LEASE_CREATED = "LeaseCreated";
    public static final String LEASE_CLOSED = "LeaseClosed";
    public static final String OFFER_PUBLISHED = "OfferPublished";

    private MarketEvents() {
    }
}
