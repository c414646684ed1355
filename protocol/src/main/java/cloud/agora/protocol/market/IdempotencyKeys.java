package cloud.agora.protocol.market;

import java.util.UUID;

/**
 * The idempotency key of a write ({@code POST /api/v1/bids}): the {@value #HEADER} request header of the IETF httpapi
 * draft "The Idempotency-Key HTTP Header Field" (as Stripe uses it). A client that sends the same key with the same
 * request again gets the same bid back (no second bid, no second lease), with {@value #REPLAYED_HEADER}{@code : true}
 * on the answer; the same key with another request is refused. The key travels in the header only, never in the body:
 * the body is what the key promises not to change.
 *
 * <p>A key is 1 to {@value #MAX_LENGTH} visible ASCII characters (no space, no control character), sent bare
 * ({@code Idempotency-Key: 8e03978e-40d5-43e8-bc93-6894a57f9324}) or as the draft's structured-field string
 * ({@code Idempotency-Key: "8e03978e-..."}); both name the same key. Platform clients send a random UUID
 * ({@link #generate()}).
 */
public final class IdempotencyKeys {

    /** The request header carrying the key. */
    public static final String HEADER = "Idempotency-Key";

    /** The answer header saying the answer is that of an earlier request with the same key (value {@code true}). */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    /** The longest key accepted. */
    public static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {
    }

    /** A fresh key: a random UUID (122 random bits), as every platform client sends. */
    public static String generate() {
        return UUID.randomUUID().toString();
    }

    /**
     * The key a header value names: the value itself, or the content of a structured-field string.
     *
     * @param header the header's value, or null when absent
     * @return the key, or null when the header is absent
     * @throws IllegalArgumentException when the value is not a key (empty, too long, a space or a control or non-ASCII
     *                                  character, a quote or backslash inside)
     */
    public static String parse(String header) {
        if (header == null) {
            return null;
        }
        String key = header.strip();
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
            key = key.substring(1, key.length() - 1);
        }
        if (key.isEmpty() || key.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(HEADER + " must be 1 to " + MAX_LENGTH + " characters, got " + key.length());
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                throw new IllegalArgumentException(HEADER + " must be visible ASCII without quotes or backslashes"
                        + " (a character at position " + i + " is not)");
            }
        }
        return key;
    }
}
