package cloud.agora.protocol.money;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.math.BigInteger;
import java.util.Objects;

/**
 * An amount of ether in wei: a non-negative integer that fits an EVM {@code uint256}.
 *
 * <p>Serialised in JSON as a decimal string, so that no client loses precision (JavaScript
 * numbers stop being exact at 2^53). JSON integers are accepted on input too; fractions and
 * exponents are not. Arithmetic that would leave the uint256 range throws
 * {@link WeiOutOfRangeException}; nothing here ever rounds.
 */
@JsonDeserialize(using = WeiDeserializer.class)
public record Wei(BigInteger value) implements Comparable<Wei> {

    /** The largest amount an EVM {@code uint256} can hold. */
    public static final BigInteger MAX_UINT256 = BigInteger.TWO.pow(256).subtract(BigInteger.ONE);

    public static final Wei ZERO = new Wei(BigInteger.ZERO);

    public Wei {
        Objects.requireNonNull(value, "value");
        if (value.signum() < 0 || value.compareTo(MAX_UINT256) > 0) {
            throw new WeiOutOfRangeException(value);
        }
    }

    /** An amount from a long; negative values are rejected. */
    public static Wei of(long wei) {
        return new Wei(BigInteger.valueOf(wei));
    }

    /**
     * Parses a decimal string of digits only (no sign, no exponent, no fraction).
     *
     * @throws WeiOutOfRangeException when the text is not a uint256 decimal
     */
    public static Wei parse(String decimal) {
        if (decimal == null || decimal.isEmpty() || decimal.length() > 78 || !decimal.chars().allMatch(Character::isDigit)) {
            throw new WeiOutOfRangeException(decimal);
        }
        return new Wei(new BigInteger(decimal));
    }

    public Wei plus(Wei other) {
        return new Wei(value.add(other.value));
    }

    /** The difference; throws when {@code other} is larger (amounts never go negative). */
    public Wei minus(Wei other) {
        return new Wei(value.subtract(other.value));
    }

    public Wei times(BigInteger factor) {
        return new Wei(value.multiply(factor));
    }

    public boolean isZero() {
        return value.signum() == 0;
    }

    public boolean isGreaterThan(Wei other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Wei other) {
        return value.compareTo(other.value);
    }

    @JsonValue
    @Override
    public String toString() {
        return value.toString();
    }
}
