package cloud.agora.protocol.eth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.web3j.crypto.Keys;

/**
 * An Ethereum account address: the identity of every actor on the platform.
 *
 * <p>Held in lower case so that equal addresses are equal values; shown in EIP-55
 * mixed-case checksum form. Parsing accepts all-lower, all-upper or a valid checksum, and
 * rejects a mixed-case address whose checksum is wrong (a mistyped address).
 */
public record Address(String value) {

    private static final Pattern HEX_ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    /**
     * Addresses already parsed and their checksummed forms, by text: computing an EIP-55 checksum is a keccak, and a
     * platform sees few distinct addresses many times (every receipt names three). Bounded: emptied when full.
     */
    private static final int CACHED = 10_000;
    private static final Map<String, Address> PARSED = new ConcurrentHashMap<>();
    private static final Map<String, String> CHECKSUMMED = new ConcurrentHashMap<>();

    public Address {
        if (value == null || !HEX_ADDRESS.matcher(value).matches()) {
            throw new InvalidAddressException(value);
        }
        value = value.toLowerCase(Locale.ROOT);
    }

    /** The last key {@link #of} was asked about and its address: a service signs with one key, many times. */
    private static volatile KeyAddress lastKey;

    private record KeyAddress(org.web3j.crypto.ECKeyPair key, Address address) {
    }

    /** The address of {@code key} (keccak of its public key), remembered for the key asked about last. */
    public static Address of(org.web3j.crypto.ECKeyPair key) {
        KeyAddress last = lastKey;
        if (last != null && last.key() == key) {
            return last.address();
        }
        Address address = new Address("0x" + Keys.getAddress(key));
        lastKey = new KeyAddress(key, address);
        return address;
    }

    /**
     * Parses a 0x-prefixed address.
     *
     * @throws InvalidAddressException when it is not 20 hex bytes or its EIP-55 checksum is wrong
     */
    @JsonCreator
    public static Address parse(String text) {
        Address known = text == null ? null : PARSED.get(text);
        if (known != null) {
            return known;
        }
        if (text == null || !HEX_ADDRESS.matcher(text).matches()) {
            throw new InvalidAddressException(text);
        }
        String digits = text.substring(2);
        boolean mixedCase = !digits.equals(digits.toLowerCase(Locale.ROOT)) && !digits.equals(digits.toUpperCase(Locale.ROOT));
        if (mixedCase && !Keys.toChecksumAddress(text).equals(text)) {
            throw new InvalidAddressException(text);
        }
        return remember(PARSED, text, new Address(text));
    }

    /** The EIP-55 checksummed form, as wallets show it. */
    @JsonValue
    public String checksummed() {
        String known = CHECKSUMMED.get(value);
        return known != null ? known : remember(CHECKSUMMED, value, Keys.toChecksumAddress(value));
    }

    private static <T> T remember(Map<String, T> cache, String key, T value) {
        if (cache.size() >= CACHED) {
            cache.clear();
        }
        cache.put(key, value);
        return value;
    }

    @Override
    public String toString() {
        return checksummed();
    }
}
