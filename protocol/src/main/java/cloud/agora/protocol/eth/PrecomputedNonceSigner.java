package cloud.agora.protocol.eth;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;

/**
 * Ethereum signatures by one key whose costly part is done ahead: ECDSA's nonce point R = kG depends only on the nonce
 * k, not on the message, so {@link #refill()} draws nonces and computes their points off the signer's hot path, and
 * {@link #signPrefixed(byte[])} only finishes s = k⁻¹(e + rd) mod n — two multiplications instead of a scalar
 * multiplication on the curve. When no nonce is ready the signature is made whole, as {@link Secp256k1} makes it.
 *
 * <p><b>Nonces.</b> Each k comes from {@link SecureRandom} (uniform in [1, n−1]), is taken by exactly one signature
 * (removed from a concurrent queue before use) and lives only in memory: nothing persists it, so a restart cannot
 * replay one. Reusing a nonce for two messages would reveal the key; that is why the queue is the only owner.
 * Unlike {@link Secp256k1#signHash}, the signatures are not deterministic (RFC 6979 derives k from the key and message
 * and cannot be computed before the message is known); they verify and recover the same way.
 */
public final class PrecomputedNonceSigner {

    private static final BigInteger N = Sign.CURVE_PARAMS.getN();

    private final ECKeyPair key;
    private final Address address;
    private final int capacity;
    private final SecureRandom random;
    private final ConcurrentLinkedQueue<Secp256k1.NoncePoint> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger readyCount = new AtomicInteger();

    /** A signer for {@code key} that keeps up to {@code capacity} nonces ready (none until {@link #refill()}). */
    public PrecomputedNonceSigner(ECKeyPair key, int capacity, SecureRandom random) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a nonce signer keeps at least one nonce");
        }
        this.key = key;
        this.address = PersonalSignature.addressOf(key);
        this.capacity = capacity;
        this.random = random;
    }

    /** The address of the key that signs. */
    public Address address() {
        return address;
    }

    /** Signs {@code message} as {@code personal_sign} does, with a ready nonce when there is one. */
    public Sign.SignatureData signPrefixed(byte[] message) {
        return signHash(Sign.getEthereumMessageHash(message));
    }

    /** Signs a 32-byte hash (low s, v = 27 + recovery id), with a ready nonce when there is one. */
    public Sign.SignatureData signHash(byte[] hash) {
        if (hash.length != 32) {
            throw new IllegalArgumentException("a hash to sign is 32 bytes, got " + hash.length);
        }
        BigInteger e = new BigInteger(1, hash);
        BigInteger d = key.getPrivateKey();
        while (true) {
            Secp256k1.NoncePoint nonce = ready.poll();
            if (nonce != null) {
                readyCount.decrementAndGet();
            } else {
                nonce = draw();
            }
            Sign.SignatureData signature = Secp256k1.sign(e, d, nonce);
            if (signature != null) {
                return signature;
            }
        }
    }

    /** Draws nonces until {@code capacity} are ready; safe to run beside signatures and other refills. */
    public void refill() {
        while (readyCount.get() < capacity) {
            Secp256k1.NoncePoint nonce = draw();
            if (nonce != null) {
                ready.add(nonce);
                readyCount.incrementAndGet();
            }
        }
    }

    /** How many nonces are ready. */
    public int ready() {
        return readyCount.get();
    }

    /** Whether at most half of {@code capacity} nonces are ready. */
    public boolean wantsRefill() {
        return readyCount.get() <= capacity / 2;
    }

    /** A fresh nonce's point, or null in the (negligible) case that its r is 0. */
    private Secp256k1.NoncePoint draw() {
        BigInteger k;
        do {
            k = new BigInteger(N.bitLength(), random);
        } while (k.signum() == 0 || k.compareTo(N) >= 0);
        return Secp256k1.noncePoint(k);
    }
}
