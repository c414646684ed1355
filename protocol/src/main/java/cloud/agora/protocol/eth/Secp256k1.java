package cloud.agora.protocol.eth;

import java.math.BigInteger;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Ethereum signatures over secp256k1, made the way web3j makes them (RFC 6979 deterministic k,
 * low s, v = 27 + recovery id) — byte for byte the same — but without web3j's search for the
 * recovery id, which recovers the public key up to four times per signature: the id follows from
 * the nonce point R that signing computes anyway. Every receipt an agent signs and every receipt
 * the gateway counter-signs pays for one signature, so this is on the platform's hot path: R = kG, the costly part,
 * comes from libsecp256k1 ({@link NativeCurve}; BouncyCastle's when it is not loaded), the rest (RFC 6979's k, s, low s)
 * stays here, so the signature is the same whichever computed R.
 */
public final class Secp256k1 {

    private static final BigInteger N = Sign.CURVE_PARAMS.getN();

    private Secp256k1() {
    }

    /** Signs a 32-byte hash as {@code Sign.signMessage(hash, key, false)} does. */
    public static Sign.SignatureData signHash(byte[] hash, ECKeyPair key) {
        return signHash(hash, key, NativeCurve.available());
    }

    /** {@link #signHash(byte[], ECKeyPair)} on libsecp256k1's curve arithmetic or on BouncyCastle's (for tests). */
    static Sign.SignatureData signHash(byte[] hash, ECKeyPair key, boolean nativeCurve) {
        if (hash.length != 32) {
            throw new IllegalArgumentException("a hash to sign is 32 bytes, got " + hash.length);
        }
        BigInteger d = key.getPrivateKey();
        BigInteger e = new BigInteger(1, hash);
        HMacDSAKCalculator nonces = new HMacDSAKCalculator(new SHA256Digest());
        nonces.init(N, d, hash);
        while (true) {
            Sign.SignatureData signature = sign(e, d, noncePoint(nonces.nextK(), nativeCurve));
            if (signature != null) {
                return signature;
            }
        }
    }

    /**
     * What a signature with nonce {@code k} takes from k alone: r, k⁻¹ and the recovery id of the nonce point R = kG
     * (the scalar multiplication, the costly part of signing), or null when r is 0 (the nonce cannot be used).
     */
    static NoncePoint noncePoint(BigInteger k) {
        return noncePoint(k, NativeCurve.available());
    }

    /** {@link #noncePoint(BigInteger)} with kG from libsecp256k1 or from BouncyCastle (both, for tests). */
    static NoncePoint noncePoint(BigInteger k, boolean nativeCurve) {
        BigInteger x;
        boolean yOdd;
        if (nativeCurve) {
            byte[] point = NativeCurve.multiplyGenerator(Numeric.toBytesPadded(k, 32));
            x = new BigInteger(1, java.util.Arrays.copyOfRange(point, 1, 33));
            yOdd = (point[64] & 1) == 1;
        } else {
            ECPoint point = new FixedPointCombMultiplier().multiply(Sign.CURVE_PARAMS.getG(), k).normalize();
            x = point.getAffineXCoord().toBigInteger();
            yOdd = point.getAffineYCoord().testBitZero();
        }
        BigInteger r = x.mod(N);
        if (r.signum() == 0) {
            return null;
        }
        int recoveryId = (yOdd ? 1 : 0) | (x.compareTo(N) >= 0 ? 2 : 0);
        // BouncyCastle's constant-time inverse: 1.9 µs against BigInteger.modInverse's 9.4 (protocol README)
        return new NoncePoint(r, org.bouncycastle.util.BigIntegers.modOddInverse(N, k), recoveryId);
    }

    /**
     * The low-s signature of hash {@code e} by private key {@code d} with a nonce point, or null when the point is
     * null or s is 0 (another nonce is needed).
     */
    static Sign.SignatureData sign(BigInteger e, BigInteger d, NoncePoint nonce) {
        if (nonce == null) {
            return null;
        }
        BigInteger s = nonce.kInverse().multiply(e.add(d.multiply(nonce.r()))).mod(N);
        if (s.signum() == 0) {
            return null;
        }
        int recoveryId = nonce.recoveryId();
        if (s.compareTo(PersonalSignature.HALF_CURVE_ORDER) > 0) {
            // the low-s form is the signature of the negated nonce point: its y has the other parity
            s = N.subtract(s);
            recoveryId ^= 1;
        }
        return new Sign.SignatureData((byte) (27 + recoveryId), Numeric.toBytesPadded(nonce.r(), 32),
                Numeric.toBytesPadded(s, 32));
    }

    /** r, k⁻¹ mod n and the recovery id of one nonce k. */
    record NoncePoint(BigInteger r, BigInteger kInverse, int recoveryId) {
    }

    /**
     * The address whose key made {@code signature} (v 27 or 28, as {@link PersonalSignature#parse} leaves it) over the
     * 32-byte {@code digest}: web3j's {@code Sign.signedMessageHashToKey}, on libsecp256k1 when it is loaded.
     *
     * @throws InvalidSignatureException when no key recovers
     */
    public static Address recover(byte[] digest, Sign.SignatureData signature) {
        if (NativeCurve.available()) {
            byte[] key = NativeCurve.recover(compact(signature), digest, (signature.getV()[0] - 27) & 1);
            if (key == null) {
                throw new InvalidSignatureException("the signature does not recover a key");
            }
            return address(key);
        }
        try {
            return new Address("0x" + org.web3j.crypto.Keys.getAddress(Sign.signedMessageHashToKey(digest, signature)));
        } catch (java.security.SignatureException | IllegalArgumentException e) {
            throw new InvalidSignatureException("the signature does not recover a key: " + e.getMessage());
        }
    }

    /** The address of an uncompressed public key (0x04 ‖ x ‖ y): the last 20 bytes of keccak256(x ‖ y). */
    static Address address(byte[] uncompressedKey) {
        return new Address(Numeric.toHexString(Keccak256.hash(uncompressedKey, 1, 64), 12, 20, true));
    }

    /** r ‖ s of a signature, 64 bytes: libsecp256k1's compact form. */
    static byte[] compact(Sign.SignatureData signature) {
        byte[] rs = new byte[64];
        System.arraycopy(signature.getR(), 0, rs, 0, 32);
        System.arraycopy(signature.getS(), 0, rs, 32, 32);
        return rs;
    }

    /** {@link #recover(byte[], Sign.SignatureData)} of a {@code personal_sign} signature over {@code message}. */
    public static Address recoverPrefixed(byte[] message, Sign.SignatureData signature) {
        return recover(Sign.getEthereumMessageHash(message), signature);
    }

    /** Signs {@code message} as {@code personal_sign} does ({@code Sign.signPrefixedMessage(message, key)}). */
    public static Sign.SignatureData signPrefixed(byte[] message, ECKeyPair key) {
        return signHash(Sign.getEthereumMessageHash(message), key);
    }
}
