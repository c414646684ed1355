package cloud.agora.protocol.eth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;

/**
 * Key files: a text file holding one secp256k1 private key as 64 hex digits (0x optional),
 * the form Anvil and most tools print. Keys never come from committed configuration.
 */
public final class KeyFiles {

    private static final Pattern PRIVATE_KEY = Pattern.compile("(0x)?[0-9a-fA-F]{64}");

    private KeyFiles() {
    }

    /** Reads the key in {@code file}; throws {@link IllegalArgumentException} if it holds no key. */
    public static ECKeyPair read(Path file) throws IOException {
        return parse(Files.readString(file).strip());
    }

    /** Parses a hex private key. */
    public static ECKeyPair parse(String hex) {
        if (!PRIVATE_KEY.matcher(hex).matches()) {
            throw new IllegalArgumentException("a private key is 64 hex digits, optionally 0x-prefixed");
        }
        return ECKeyPair.create(Numeric.toBigInt(hex));
    }

    /** The 0x-prefixed 64-digit hex form of a private key. */
    public static String toHex(ECKeyPair key) {
        return Numeric.toHexStringWithPrefixZeroPadded(key.getPrivateKey(), 64);
    }
}
