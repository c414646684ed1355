package cloud.agora.protocol.eth;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * EIP-191 {@code personal_sign} signatures, as every wallet makes them for a text message:
 * 65 bytes r‖s‖v with v = 27 or 28 (0 or 1 accepted too) over
 * {@code keccak256("\x19Ethereum Signed Message:\n" + len + message)}.
 *
 * <p>Only low-s signatures are accepted (EIP-2), so that a signature has exactly one valid form.
 */
public final class PersonalSignature {

    /** Half the order of secp256k1: the largest s a canonical signature may have. */
    public static final BigInteger HALF_CURVE_ORDER = Sign.CURVE_PARAMS.getN().shiftRight(1);

    private PersonalSignature() {
    }

    /** Signs {@code message} as {@code personal_sign} would; returns 0x-prefixed r‖s‖v hex. */
    public static String sign(String message, ECKeyPair key) {
        Sign.SignatureData signature = Secp256k1.signPrefixed(message.getBytes(StandardCharsets.UTF_8), key);
        return toHex(signature);
    }

    /**
     * Recovers the address that signed {@code message}.
     *
     * @throws InvalidSignatureException when the signature is malformed, high-s, or recovers no key
     */
    public static Address recover(String message, String signatureHex) {
        return Secp256k1.recoverPrefixed(message.getBytes(StandardCharsets.UTF_8), parse(signatureHex));
    }

    /** Parses 0x r‖s‖v hex into web3j's form, enforcing length, v and low s. */
    public static Sign.SignatureData parse(String signatureHex) {
        byte[] bytes;
        try {
            bytes = Numeric.hexStringToByteArray(signatureHex == null ? "" : signatureHex);
        } catch (RuntimeException e) {
            throw new InvalidSignatureException("the signature is not hex");
        }
        if (bytes.length != 65) {
            throw new InvalidSignatureException("a signature is 65 bytes (r, s, v), got " + bytes.length);
        }
        byte v = bytes[64];
        if (v == 0 || v == 1) {
            v += 27;
        }
        if (v != 27 && v != 28) {
            throw new InvalidSignatureException("v must be 27 or 28, got " + bytes[64]);
        }
        byte[] r = Arrays.copyOfRange(bytes, 0, 32);
        byte[] s = Arrays.copyOfRange(bytes, 32, 64);
        if (new BigInteger(1, s).compareTo(HALF_CURVE_ORDER) > 0) {
            throw new InvalidSignatureException("high-s signatures are not accepted (EIP-2)");
        }
        return new Sign.SignatureData(v, r, s);
    }

    /** Packs a signature as 0x r‖s‖v hex. */
    public static String toHex(Sign.SignatureData signature) {
        byte[] out = new byte[65];
        System.arraycopy(signature.getR(), 0, out, 0, 32);
        System.arraycopy(signature.getS(), 0, out, 32, 32);
        out[64] = signature.getV()[0];
        return Numeric.toHexString(out);
    }

    /** The address of a private key. */
    public static Address addressOf(ECKeyPair key) {
        return new Address(Credentials.create(key).getAddress());
    }
}
