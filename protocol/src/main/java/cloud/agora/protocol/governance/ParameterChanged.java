package cloud.agora.protocol.governance;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A governed service parameter took a new value: the payload of {@code governance.decisions.v1}, published by
 * the governance service inside an {@code EventEnvelope} with type {@link #TYPE}, source {@link #SOURCE} and
 * subject (= record key) the parameter name. Consumers apply it without restart, idempotently on the envelope
 * id; when two arrive for one parameter, the later {@code effectiveAt} wins.
 *
 * <p>Values are strings in one canonical form per unit, so that every consumer parses them the same way:
 * <ul>
 *   <li>{@link #UNIT_DURATION} ({@code "duration"}): an ISO-8601 duration as {@link Duration#toString()} writes it,
 *       e.g. {@code "PT45S"} — {@code marketplace.heartbeat-timeout} and {@code marketplace.max-bid-lifetime}
 *       are durations; read them with {@link #durationValue()};</li>
 *   <li>{@code "bytes"}, {@code "wei"}, {@code "bps"}, {@code "blocks"}: a base-10 integer, e.g.
 *       {@code "1048576"}; read it with {@link #integerValue()}.</li>
 * </ul>
 *
 * @param name        the parameter, {@code <service>.<name>} (e.g. {@code marketplace.heartbeat-timeout})
 * @param value       the new value in the canonical form of its unit
 * @param unit        the unit, which says how to read {@code value}
 * @param proposalId  the proposal that changed it
 * @param effectiveAt when governance executed the change
 */
public record ParameterChanged(String name, String value, String unit, long proposalId, Instant effectiveAt) {

    /** The envelope type. */
    public static final String TYPE = "ParameterChanged";
    /** The envelope source. */
    public static final String SOURCE = "governance";
    /** The unit of ISO-8601 duration values. */
    public static final String UNIT_DURATION = "duration";

    public ParameterChanged {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(effectiveAt, "effectiveAt");
    }

    /** The value as a duration; throws {@link IllegalStateException} when the unit is not {@link #UNIT_DURATION}. */
    public Duration durationValue() {
        if (!UNIT_DURATION.equals(unit)) {
            throw new IllegalStateException(name + " is in " + unit + ", not a duration");
        }
        return Duration.parse(value);
    }

    /** The value as an integer; throws {@link IllegalStateException} for a duration. */
    public BigInteger integerValue() {
        if (UNIT_DURATION.equals(unit)) {
            throw new IllegalStateException(name + " is a duration");
        }
        return new BigInteger(value);
    }
}
