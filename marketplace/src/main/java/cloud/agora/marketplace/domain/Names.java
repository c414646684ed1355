package cloud.agora.marketplace.domain;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/** The shapes of regions and attributes, shared by providers' registrations and bids' constraints. */
final class Names {

    static final int MAX_ATTRIBUTES = 32;
    private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Pattern ATTRIBUTE_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,63}");

    private Names() {
    }

    static boolean isRegion(String region) {
        return region != null && REGION.matcher(region).matches();
    }

    static void checkAttributes(Map<String, String> attributes, Function<String, ? extends RuntimeException> problem) {
        if (attributes.size() > MAX_ATTRIBUTES) {
            throw problem.apply("at most " + MAX_ATTRIBUTES + " attributes");
        }
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            if (!ATTRIBUTE_KEY.matcher(attribute.getKey()).matches()) {
                throw problem.apply("attribute names are 1-64 letters, digits, '.', '_', '/' or '-': " + attribute.getKey());
            }
            if (attribute.getValue() == null || attribute.getValue().length() > 128) {
                throw problem.apply("attribute values are 0-128 characters: " + attribute.getKey());
            }
        }
    }
}
