package cloud.agora.protocol.money;

/** An amount that is not a uint256: negative, too large, or not a decimal integer. */
public class WeiOutOfRangeException extends IllegalArgumentException {

    public WeiOutOfRangeException(Object value) {
        super("not a wei amount (a decimal integer from 0 to 2^256-1): " + abbreviate(value));
    }

    private static String abbreviate(Object value) {
        String text = String.valueOf(value);
        return text.length() > 100 ? text.substring(0, 100) + "..." : text;
    }
}
