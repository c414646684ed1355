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
 * @param minScore       the lowest reputation score (0 to 1000) a provider may have, or null for any
 * @param maxFailureRate the highest share (0 to 1) of calls a provider may have failed on its side over the
 *                       reputation window, or null for any
 */
public record Constraints(String region, Map<String, String> attributes, Set<Address> avoidProviders, Integer minScore,
        Double maxFailureRate) {

    public static final Constraints NONE = new Constraints(null, Map.of());

    public Constraints {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        avoidProviders = avoidProviders == null ? Set.of() : Set.copyOf(avoidProviders);
    }

    /** Constraints with no reliability requirement. */
    public Constraints(String region, Map<String, String> attributes, Set<Address> avoidProviders) {
        this(region, attributes, avoidProviders, null, null);
    }

    /** Constraints that avoid no provider. */
    public Constraints(String region, Map<String, String> attributes) {
        this(region, attributes, Set.of());
    }

    /** Whether the bid asks anything of a provider's reliability. */
    public boolean asksReliability() {
        return minScore != null || maxFailureRate != null;
    }

    /** These constraints, also avoiding {@code providers}. */
    public Constraints avoiding(java.util.Collection<Address> providers) {
        Set<Address> all = new java.util.HashSet<>(avoidProviders);
        all.addAll(providers);
        return new Constraints(region, attributes, all, minScore, maxFailureRate);
    }
}
