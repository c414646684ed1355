package cloud.agora.storage.domain.pin;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The filters of {@code GET /pins}, already validated.
 *
 * @param cids     pins of any of these CIDs (empty: any)
 * @param name     the name to match, or null
 * @param match    how {@code name} matches
 * @param states   pins in any of these states (never empty: the spec's default is pinned only)
 * @param before   created strictly before, or null
 * @param after    created strictly after, or null
 * @param limit    at most this many results (1..1000)
 * @param meta     pins whose meta holds all these entries
 */
public record PinQuery(Set<String> cids, String name, Match match, Set<PinState> states, Instant before,
        Instant after, int limit, Map<String, String> meta) {

    /** The spec's TextMatchingStrategy. */
    public enum Match {
        EXACT, IEXACT, PARTIAL, IPARTIAL;

        /** Parses the spec's lower-case name (null means exact). */
        public static Match fromWire(String text) {
            if (text == null) {
                return EXACT;
            }
            try {
                return valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidPinRequestException("match '" + text + "' is not one of exact, iexact, partial, ipartial");
            }
        }
    }

    public PinQuery {
        if (limit < 1 || limit > 1000) {
            throw new InvalidPinRequestException("limit must be between 1 and 1000, not " + limit);
        }
        if (cids.size() > 10) {
            throw new InvalidPinRequestException("at most 10 cids per query, not " + cids.size());
        }
        if (name != null && name.length() > 255) {
            throw new InvalidPinRequestException("name has more than 255 characters");
        }
        if (states.isEmpty()) {
            states = Set.of(PinState.PINNED);
        }
    }
}
