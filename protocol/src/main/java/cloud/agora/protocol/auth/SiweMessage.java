package cloud.agora.protocol.auth;

import cloud.agora.protocol.eth.Address;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An EIP-4361 (Sign-In with Ethereum) message.
 *
 * <p>{@link #toText()} writes the exact text a wallet signs; {@link #parse(String)} reads it
 * back strictly (field order, case and line breaks as the EIP's ABNF gives them), so that a
 * message the service did not write cannot slip through with a lenient reading.
 */
public record SiweMessage(
        String domain,
        Address address,
        String statement,
        String uri,
        String version,
        long chainId,
        String nonce,
        Instant issuedAt,
        Instant expirationTime,
        Instant notBefore,
        String requestId,
        List<String> resources) {

    private static final String HEADER_SUFFIX = " wants you to sign in with your Ethereum account:";
    private static final Pattern NONCE = Pattern.compile("[a-zA-Z0-9]{8,}");
    private static final Pattern TAGGED = Pattern.compile("([A-Za-z ]+): (.*)");

    public SiweMessage {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(issuedAt, "issuedAt");
        version = version == null ? "1" : version;
        resources = resources == null ? List.of() : List.copyOf(resources);
        if (domain.isBlank() || domain.contains("\n")) {
            throw new InvalidSiweMessageException("domain must be a non-empty authority");
        }
        if (statement != null && statement.contains("\n")) {
            throw new InvalidSiweMessageException("statement must not contain a line break");
        }
        if (!NONCE.matcher(nonce).matches()) {
            throw new InvalidSiweMessageException("nonce must be at least 8 alphanumeric characters");
        }
        if (!"1".equals(version)) {
            throw new InvalidSiweMessageException("version must be 1");
        }
    }

    /** The text to sign, exactly as EIP-4361 lays it out. */
    public String toText() {
        StringBuilder text = new StringBuilder();
        text.append(domain).append(HEADER_SUFFIX).append('\n');
        text.append(address.checksummed()).append('\n');
        text.append('\n');
        if (statement != null) {
            text.append(statement).append('\n');
        }
        text.append('\n');
        text.append("URI: ").append(uri).append('\n');
        text.append("Version: ").append(version).append('\n');
        text.append("Chain ID: ").append(chainId).append('\n');
        text.append("Nonce: ").append(nonce).append('\n');
        text.append("Issued At: ").append(issuedAt);
        if (expirationTime != null) {
            text.append('\n').append("Expiration Time: ").append(expirationTime);
        }
        if (notBefore != null) {
            text.append('\n').append("Not Before: ").append(notBefore);
        }
        if (requestId != null) {
            text.append('\n').append("Request ID: ").append(requestId);
        }
        if (!resources.isEmpty()) {
            text.append('\n').append("Resources:");
            for (String resource : resources) {
                text.append('\n').append("- ").append(resource);
            }
        }
        return text.toString();
    }

    /**
     * Parses the text of an EIP-4361 message.
     *
     * @throws InvalidSiweMessageException when the text does not follow the EIP's layout
     */
    public static SiweMessage parse(String text) {
        if (text == null) {
            throw new InvalidSiweMessageException("no message");
        }
        String[] lines = text.split("\n", -1);
        Cursor cursor = new Cursor(lines);
        String header = cursor.next();
        if (!header.endsWith(HEADER_SUFFIX)) {
            throw new InvalidSiweMessageException("the first line must end with '" + HEADER_SUFFIX.strip() + "'");
        }
        String domain = header.substring(0, header.length() - HEADER_SUFFIX.length());
        Address address;
        try {
            address = Address.parse(cursor.next());
        } catch (IllegalArgumentException e) {
            throw new InvalidSiweMessageException("line 2 must be the signer's address: " + e.getMessage());
        }
        cursor.expectEmpty();
        String statement = null;
        if (!cursor.peek().isEmpty()) {
            statement = cursor.next();
        }
        cursor.expectEmpty();
        String uri = cursor.tagged("URI");
        String version = cursor.tagged("Version");
        long chainId;
        try {
            chainId = Long.parseLong(cursor.tagged("Chain ID"));
        } catch (NumberFormatException e) {
            throw new InvalidSiweMessageException("Chain ID must be a number");
        }
        String nonce = cursor.tagged("Nonce");
        Instant issuedAt = instant(cursor.tagged("Issued At"), "Issued At");
        Instant expiration = cursor.optionalTagged("Expiration Time") == null ? null
                : instant(cursor.lastValue, "Expiration Time");
        Instant notBefore = cursor.optionalTagged("Not Before") == null ? null : instant(cursor.lastValue, "Not Before");
        String requestId = cursor.optionalTagged("Request ID");
        List<String> resources = new ArrayList<>();
        if (cursor.hasNext() && cursor.peek().equals("Resources:")) {
            cursor.next();
            while (cursor.hasNext() && cursor.peek().startsWith("- ")) {
                resources.add(cursor.next().substring(2));
            }
        }
        if (cursor.hasNext()) {
            throw new InvalidSiweMessageException("unexpected line: " + cursor.peek());
        }
        try {
            return new SiweMessage(domain, address, statement, uri, version, chainId, nonce, issuedAt, expiration,
                    notBefore, requestId, resources);
        } catch (NullPointerException e) {
            throw new InvalidSiweMessageException("missing field: " + e.getMessage());
        }
    }

    private static Instant instant(String text, String field) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidSiweMessageException(field + " must be an RFC 3339 date-time");
        }
    }

    /** Reads the message line by line. */
    private static final class Cursor {
        private final String[] lines;
        private int index;
        private String lastValue;

        Cursor(String[] lines) {
            this.lines = lines;
        }

        boolean hasNext() {
            return index < lines.length;
        }

        String peek() {
            if (!hasNext()) {
                throw new InvalidSiweMessageException("the message ends too early");
            }
            return lines[index];
        }

        String next() {
            String line = peek();
            index++;
            return line;
        }

        void expectEmpty() {
            if (!next().isEmpty()) {
                throw new InvalidSiweMessageException("expected an empty line at line " + index);
            }
        }

        String tagged(String tag) {
            String value = optionalTagged(tag);
            if (value == null) {
                throw new InvalidSiweMessageException("expected '" + tag + ": ...' at line " + (index + 1));
            }
            return value;
        }

        String optionalTagged(String tag) {
            lastValue = null;
            if (!hasNext()) {
                return null;
            }
            Matcher matcher = TAGGED.matcher(lines[index]);
            if (matcher.matches() && matcher.group(1).equals(tag)) {
                index++;
                lastValue = matcher.group(2);
            }
            return lastValue;
        }
    }
}
