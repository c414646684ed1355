package cloud.agora.protocol.market;

import cloud.agora.protocol.eth.Address;
import java.util.Map;
import java.util.Set;

/**
 * Where a bid may be placed.
 *
 * @param region         the only region accepted, or null for any
 * @param attributes     attributes a provider must have with exactly these values
 * @param avoidProviders providers the bid must not be placed on (a replacement replica stays off the providers
 *                       that already hold the deployment's other replicas)
 */
public record Constraints(String region, Map<String, String> attributes, Set<Address> avoidProviders) {

    public static final Constraints NONE = new Constraints(null, Map.of());

    public Constraints {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        avoidProviders = avoidProviders == null ? Set.of() : Set.copyOf(avoidProviders);
    }

    /** Constraints that avoid no provider. */
    public Constraints(String region, Map<String, String> attributes) {
        this(region, attributes, Set.of());
    }

    /** These constraints, also avoiding {@code providers}. */
    public Constraints avoiding(java.util.Collection<Address> providers) {
        Set<Address> all = new java.util.HashSet<>(avoidProviders);
        all.addAll(providers);
        return new Constraints(region, attributes, all);
    }
}
