package cloud.agora.protocol.eth;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The secp256k1 arithmetic of libsecp256k1 (Bitcoin Core's library, through ACINQ's JNI binding, which ships it for
 * Linux, macOS and Windows on x86-64 and arm64): the fixed-base multiplication k·G of signing and public-key
 * recovery, 4–6× faster than BouncyCastle's on this machine (protocol/README.md). Loaded once; when the library
 * cannot load (another platform, a {@code java.io.tmpdir} it cannot extract into), {@link #available()} is false,
 * the reason is logged once and {@link Secp256k1} and {@link SignerKeys} use BouncyCastle, with the same results.
 */
final class NativeCurve {

    private static final Logger LOG = Logger.getLogger(NativeCurve.class.getName());
    private static final fr.acinq.secp256k1.Secp256k1 LIBRARY = load();

    private NativeCurve() {
    }

    private static fr.acinq.secp256k1.Secp256k1 load() {
        if (Boolean.getBoolean("agora.secp256k1.pure-java")) {
            return null;
        }
        try {
            fr.acinq.secp256k1.Secp256k1 library = fr.acinq.secp256k1.Secp256k1.get();
            byte[] one = new byte[32];
            one[31] = 1;
            library.pubkeyCreate(one);
            return library;
        } catch (Throwable e) { // UnsatisfiedLinkError and friends: any failure leaves the pure-Java curve
            LOG.log(Level.WARNING, "libsecp256k1 did not load; signatures use BouncyCastle's curve arithmetic", e);
            return null;
        }
    }

    /** Whether libsecp256k1 is loaded (false with {@code -Dagora.secp256k1.pure-java=true}). */
    static boolean available() {
        return LIBRARY != null;
    }

    /**
     * k·G, uncompressed (0x04 ‖ x ‖ y), for a scalar 0 &lt; k &lt; n as 32 big-endian bytes.
     *
     * @throws IllegalStateException when the library is not loaded
     */
    static byte[] multiplyGenerator(byte[] scalar) {
        return library().pubkeyCreate(scalar);
    }

    /**
     * The public key (uncompressed, 65 bytes) that made the compact signature {@code rs} (r ‖ s, each 32 bytes, both
     * already checked to be in [1, n−1]) over the 32-byte {@code hash}, with recovery id 0 or 1; null when none does
     * (r is not the x of a curve point, or the key would be the point at infinity).
     */
    static byte[] recover(byte[] rs, byte[] hash, int recoveryId) {
        try {
            return library().ecdsaRecover(rs, hash, recoveryId);
        } catch (RuntimeException e) { // Secp256k1Exception: libsecp256k1 found no key
            return null;
        }
    }

    private static fr.acinq.secp256k1.Secp256k1 library() {
        if (LIBRARY == null) {
            throw new IllegalStateException("libsecp256k1 is not loaded");
        }
        return LIBRARY;
    }
}
