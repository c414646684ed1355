package cloud.agora.protocol.eth;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x9.X9IntegerConverter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.web3j.crypto.Sign;

/**
 * Checks EIP-191 {@code personal_sign} signatures over 32-byte receipt hashes, fast: the cost of ingestion.
 *
 * <p>A signer's public key is recovered once (secp256k1 public-key recovery done directly on BouncyCastle, without
 * web3j's extra {@code n·R} multiplication, which is always the point at infinity on a curve of cofactor 1) and kept
 * per address. Later signatures claimed for that address are <em>verified</em> against the kept key: with
 * {@code w = s⁻¹}, {@code X = (e·w)·G + (r·w)·Q} must have affine x equal to r and the y parity given by v. That is
 * exactly the point R that recovery would use, so a signature passes here if and only if recovering it yields the
 * kept key — the same answer as web3j's recovery, at half the cost (and the kept point's precomputed multiples are
 * reused). A key only enters the cache after a recovery that produced the claimed address.
 *
 * <p>With libsecp256k1 loaded ({@link NativeCurve}) a check is one recovery there (~0.05 ms instead of ~0.15 ms on this
 * machine) compared with the kept key's encoding, or hashed to an address when no key is kept: recovery is the
 * definition the BouncyCastle verification above is equivalent to.
 *
 * <p>Thread-safe; the signature must already be canonical (length, v ∈ {27, 28}, low s: {@link PersonalSignature#parse}).
 */
public final class SignerKeys {

    private static final ECDomainParameters CURVE = new ECDomainParameters(Sign.CURVE_PARAMS.getCurve(),
            Sign.CURVE_PARAMS.getG(), Sign.CURVE_PARAMS.getN(), Sign.CURVE_PARAMS.getH());
    private static final BigInteger N = CURVE.getN();
    private static final byte[] PREFIX = "\u0019Ethereum Signed Message:\n32".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_KEYS = 100_000;

    private final Map<Address, Key> keys = new ConcurrentHashMap<>();
    private final boolean nativeCurve;

    /** Checks on libsecp256k1 when it is loaded, else on BouncyCastle. */
    public SignerKeys() {
        this(NativeCurve.available());
    }

    /** Checks on libsecp256k1's curve arithmetic or on BouncyCastle's (for tests). */
    SignerKeys(boolean nativeCurve) {
        this.nativeCurve = nativeCurve;
    }

    /**
     * Whether {@code signatureHex} over {@code hash} was made by {@code signer}.
     *
     * @throws InvalidSignatureException when the signature is malformed or recovers no key
     */
    public boolean signedBy(byte[] hash, String signatureHex, Address signer) {
        Signed signed = Signed.parse(hash, signatureHex);
        Key known = keys.get(signer);
        if (known != null) {
            return verifies(signed, known);
        }
        Key recovered = recover(signed);
        if (!recovered.address().equals(signer)) {
            return false;
        }
        remember(signer, recovered);
        return true;
    }

    /**
     * The address that made {@code signatureHex} over {@code hash}: one of {@code candidates} when it verifies against a
     * kept key of one of them, else by recovery.
     *
     * @throws InvalidSignatureException when the signature is malformed or recovers no key
     */
    public Address signer(byte[] hash, String signatureHex, Collection<Address> candidates) {
        Signed signed = Signed.parse(hash, signatureHex);
        // libsecp256k1 recovers once and compares with each kept key; BouncyCastle verifies against each, cheaper there
        Key recovered = nativeCurve ? recover(signed) : null;
        for (Address candidate : candidates) {
            Key known = keys.get(candidate);
            if (known != null && (recovered != null ? Arrays.equals(known.encoded(), recovered.encoded())
                    : verifies(signed, known))) {
                return candidate;
            }
        }
        if (recovered == null) {
            recovered = recover(signed);
        }
        Address address = recovered.address();
        if (candidates.contains(address)) {
            remember(address, recovered);
        }
        return address;
    }

    /** Whether a key is kept for {@code address} (for tests). */
    boolean keeps(Address address) {
        return keys.containsKey(address);
    }

    private void remember(Address address, Key key) {
        if (keys.size() >= MAX_KEYS) {
            keys.clear();
        }
        keys.put(address, key);
    }

    private boolean verifies(Signed signed, Key known) {
        if (!signed.inRange()) {
            return false;
        }
        if (nativeCurve) {
            byte[] recovered = NativeCurve.recover(signed.rs(), signed.prefixedHash(), signed.parity());
            return recovered != null && Arrays.equals(recovered, known.encoded());
        }
        BigInteger w = signed.s().modInverse(N);
        ECPoint x = ECAlgorithms.sumOfTwoMultiplies(CURVE.getG(), signed.e().multiply(w).mod(N), known.point(),
                signed.r().multiply(w).mod(N)).normalize();
        return !x.isInfinity()
                && x.getAffineXCoord().toBigInteger().equals(signed.r())
                && (x.getAffineYCoord().testBitZero() ? 1 : 0) == signed.parity();
    }

    /** SEC 1 v2 §4.1.6 with j = 0 (v ∈ {27, 28}): Q = r⁻¹(s·R − e·G). */
    private Key recover(Signed signed) {
        if (!signed.inRange()) {
            throw new InvalidSignatureException("the signature does not recover a key: r or s out of range");
        }
        if (nativeCurve) {
            byte[] recovered = NativeCurve.recover(signed.rs(), signed.prefixedHash(), signed.parity());
            if (recovered == null) {
                throw new InvalidSignatureException("the signature does not recover a key");
            }
            return Key.of(recovered);
        }
        BigInteger r = signed.r();
        ECPoint rPoint;
        try {
            X9IntegerConverter converter = new X9IntegerConverter();
            byte[] encoded = converter.integerToBytes(r, 1 + converter.getByteLength(CURVE.getCurve()));
            encoded[0] = (byte) (signed.parity() == 1 ? 0x03 : 0x02);
            rPoint = CURVE.getCurve().decodePoint(encoded);
        } catch (IllegalArgumentException ex) {
            throw new InvalidSignatureException("the signature does not recover a key: r is not on the curve");
        }
        BigInteger rInv = r.modInverse(N);
        ECPoint q = ECAlgorithms.sumOfTwoMultiplies(CURVE.getG(), N.subtract(signed.e()).mod(N).multiply(rInv).mod(N),
                rPoint, rInv.multiply(signed.s()).mod(N)).normalize();
        if (q.isInfinity()) {
            throw new InvalidSignatureException("the signature does not recover a key");
        }
        return new Key(q, q.getEncoded(false));
    }

    /** A signer's public key: its uncompressed encoding, and BouncyCastle's point when BouncyCastle checks (else null). */
    private record Key(ECPoint point, byte[] encoded) {

        static Key of(byte[] encoded) {
            return new Key(null, encoded);
        }

        Address address() {
            return Secp256k1.address(encoded);
        }
    }

    /** A parsed signature over an EIP-191-prefixed 32-byte hash. */
    private record Signed(byte[] prefixedHash, byte[] rs, BigInteger e, BigInteger r, BigInteger s, int parity) {

        static Signed parse(byte[] hash, String signatureHex) {
            Sign.SignatureData signature = PersonalSignature.parse(signatureHex);
            byte[] prefixed = prefixed(hash);
            return new Signed(prefixed, Secp256k1.compact(signature), new BigInteger(1, prefixed),
                    new BigInteger(1, signature.getR()), new BigInteger(1, signature.getS()),
                    (signature.getV()[0] - 27) & 1);
        }

        boolean inRange() {
            return r.signum() > 0 && r.compareTo(N) < 0 && s.signum() > 0 && s.compareTo(N) < 0;
        }
    }

    private static byte[] prefixed(byte[] hash) {
        byte[] message = new byte[PREFIX.length + hash.length];
        System.arraycopy(PREFIX, 0, message, 0, PREFIX.length);
        System.arraycopy(hash, 0, message, PREFIX.length, hash.length);
        return Keccak256.hash(message);
    }
}
