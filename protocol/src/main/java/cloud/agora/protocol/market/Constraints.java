package cloud.agora.protocol.market;

import java.util.Map;

/**
 * Where a bid may be placed.
 *
 * @param region     the only region accepted, or null for any
 * @param attributes attributes a provider must have with exactly these values
 */
public record Constraints(String region, Map<String, String> attributes) {

    public static final Constraints NONE = new Constraints(null, Map.of());

    public Constraints {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }
}
