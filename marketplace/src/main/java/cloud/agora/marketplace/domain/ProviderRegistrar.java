package cloud.agora.marketplace.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.OfferView;
import cloud.agora.protocol.market.ProviderEndpoints;
import cloud.agora.protocol.market.ProviderRegistration;
import cloud.agora.protocol.resources.Resources;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;

/**
 * Providers join the market, publish their offer and heartbeat. A provider changes only its
 * own record: the caller must be the provider's address. Emits {@code OfferPublished}, and
 * {@code LeaseCreated} for resting bids the new capacity serves.
 */
@ApplicationScoped
public class ProviderRegistrar {

    /** The longest endpoint accepted (it is stored and sent with every lease). */
    static final int MAX_ENDPOINT_LENGTH = 512;

    private final MarketDesk desk;

    public ProviderRegistrar(MarketDesk desk) {
        this.desk = desk;
    }

    /**
     * Registers the caller as a provider, or updates its endpoint, region and attributes. The endpoint is stored as
     * its normalised origin ({@link ProviderEndpoints#origin}); anything else is refused with
     * {@code invalid-provider} and nothing is stored.
     */
    public OfferView register(Address caller, ProviderRegistration registration) {
        if (registration == null || registration.address() == null) {
            throw new InvalidProviderException("the body must name the provider's address");
        }
        if (!registration.address().equals(caller)) {
            throw new AccessDeniedException("provider", registration.address(), caller);
        }
        String endpoint = origin(registration.endpoint());
        if (!Names.isRegion(registration.region())) {
            throw new InvalidProviderException("region must be 1-32 lower-case letters, digits or '-': " + registration.region());
        }
        Map<String, String> attributes = registration.attributes() == null ? Map.of() : registration.attributes();
        Names.checkAttributes(attributes, InvalidProviderException::new);
        desk.execute((book, now) -> book.register(caller, endpoint, registration.region(), attributes, now));
        return offer(caller);
    }

    /** Publishes or replaces the caller's offer. */
    public OfferView publishOffer(Address caller, Address provider, OfferSpec spec) {
        requireSelf(caller, provider);
        if (spec == null || spec.capacity() == null || spec.prices() == null) {
            throw new InvalidOfferException("an offer needs capacity {cpuMillis, memoryMiB, storageGiB} and prices");
        }
        Resources capacity = spec.capacity();
        boolean compute = capacity.cpuMillis() > 0 && capacity.memoryMiB() > 0;
        if (!compute && capacity.storageGiB() == 0) {
            throw new InvalidOfferException("capacity must offer compute (CPU and memory) or storage, more than zero");
        }
        desk.execute((book, now) -> book.publishOffer(provider, capacity, spec.prices(), now));
        return offer(provider);
    }

    /** Records the caller's sign of life and the free capacity it reports. */
    public OfferView heartbeat(Address caller, Address provider, Heartbeat heartbeat) {
        requireSelf(caller, provider);
        Resources free = heartbeat == null ? null : heartbeat.free();
        desk.execute((book, now) -> book.heartbeat(provider, free, now));
        return offer(provider);
    }

    /** Every provider with an offer, optionally only one region's. */
    public List<OfferView> offers(String region) {
        return desk.query((book, now) -> book.offers(now).stream()
                .filter(s -> region == null || region.equals(s.provider().region()))
                .map(OfferViews::of).toList());
    }

    public OfferView offer(Address provider) {
        return desk.query((book, now) -> book.provider(provider, now)).map(OfferViews::of)
                .orElseThrow(() -> new ProviderNotFoundException(provider));
    }

    private static void requireSelf(Address caller, Address provider) {
        if (!provider.equals(caller)) {
            throw new AccessDeniedException("provider", provider, caller);
        }
    }

    /**
     * The endpoint as the plain origin the gateways will call ({@code http(s)://host[:port]}): a registered path,
     * query, fragment or user info could steer the platform's calls to another path or carry credentials, so such
     * endpoints are refused rather than trimmed. Private addresses are not refused here: whether the platform may
     * call them depends on each gateway's deployment ({@code local-network}), and the gateways check before every
     * call.
     */
    private static String origin(String endpoint) {
        if (endpoint != null && endpoint.length() > MAX_ENDPOINT_LENGTH) {
            throw new InvalidProviderException("endpoint is longer than " + MAX_ENDPOINT_LENGTH + " characters");
        }
        try {
            return ProviderEndpoints.origin(endpoint);
        } catch (ProviderEndpoints.InvalidEndpointException e) {
            throw new InvalidProviderException("endpoint must be the agent's plain http(s) origin, e.g. "
                    + "https://agent.example:8443: " + e.getMessage());
        }
    }
}
