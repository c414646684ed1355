package cloud.agora.governance.domain;

import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * One governed parameter: its name, how its value is written, its inclusive bounds, its unit and where it takes
 * effect. Values travel as canonical strings (see {@link ParameterKind}); {@link #canonical(String)} checks a
 * proposed value and returns its one canonical form.
 */
public record ParameterDefinition(String name, ParameterKind kind, String min, String max, String defaultValue, String unit,
        ParameterTarget target, String description) {

    /**
     * The canonical form of {@code raw} when it is a well-formed value within bounds.
     *
     * @throws InvalidProposalException when it is malformed or out of bounds
     */
    public String canonical(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new InvalidProposalException(name + ": a value is required");
        }
        if (kind == ParameterKind.INTEGER) {
            BigInteger value;
            try {
                value = new BigInteger(raw.trim());
            } catch (NumberFormatException e) {
                throw new InvalidProposalException(name + ": \"" + raw + "\" is not an integer (" + unit + ")");
            }
            if (value.compareTo(new BigInteger(min)) < 0 || value.compareTo(new BigInteger(max)) > 0) {
                throw new InvalidProposalException(name + ": " + value + " is out of bounds [" + min + ", " + max + "] " + unit);
            }
            return value.toString();
        }
        Duration value;
        try {
            value = Duration.parse(raw.trim());
        } catch (DateTimeParseException e) {
            throw new InvalidProposalException(name + ": \"" + raw + "\" is not an ISO-8601 duration (e.g. PT45S)");
        }
        if (value.compareTo(Duration.parse(min)) < 0 || value.compareTo(Duration.parse(max)) > 0) {
            throw new InvalidProposalException(name + ": " + value + " is out of bounds [" + min + ", " + max + "]");
        }
        return value.toString();
    }

    /** Whether it takes effect on chain (a call made through the timelock), besides any service. */
    public boolean onChain() {
        return target == ParameterTarget.ESCROW || target == ParameterTarget.TIMELOCK;
    }
}
