package cloud.agora.protocol.eth;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x9.X9IntegerConverter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

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
 * <p>Thread-safe; the signature must already be canonical (length, v ∈ {27, 28}, low s: {@link PersonalSignature#parse}).
 */
public final class SignerKeys {

    private static final ECDomainParameters CURVE = new ECDomainParameters(Sign.CURVE_PARAMS.getCurve(),
            Sign.CURVE_PARAMS.getG(), Sign.CURVE_PARAMS.getN(), Sign.CURVE_PARAMS.getH());
    private static final BigInteger N = CURVE.getN();
    private static final byte[] PREFIX = "\u0019Ethereum Signed Message:\n32".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_KEYS = 100_000;

    private final Map<Address, ECPoint> keys = new ConcurrentHashMap<>();

    /**
     * Whether {@code signatureHex} over {@code hash} was made by {@code signer}.
     *
     * @throws InvalidSignatureException when the signature is malformed or recovers no key
     */
    public boolean signedBy(byte[] hash, String signatureHex, Address signer) {
        Sign.SignatureData signature = PersonalSignature.parse(signatureHex);
        BigInteger e = new BigInteger(1, prefixed(hash));
        BigInteger r = new BigInteger(1, signature.getR());
        BigInteger s = new BigInteger(1, signature.getS());
        int parity = (signature.getV()[0] - 27) & 1;
        ECPoint known = keys.get(signer);
        if (known != null) {
            return verifies(e, r, s, parity, known);
        }
        ECPoint recovered = recover(e, r, s, parity);
        if (!address(recovered).equals(signer)) {
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
        Sign.SignatureData signature = PersonalSignature.parse(signatureHex);
        BigInteger e = new BigInteger(1, prefixed(hash));
        BigInteger r = new BigInteger(1, signature.getR());
        BigInteger s = new BigInteger(1, signature.getS());
        int parity = (signature.getV()[0] - 27) & 1;
        for (Address candidate : candidates) {
            ECPoint known = keys.get(candidate);
            if (known != null && verifies(e, r, s, parity, known)) {
                return candidate;
            }
        }
        ECPoint recovered = recover(e, r, s, parity);
        Address address = address(recovered);
        if (candidates.contains(address)) {
            remember(address, recovered);
        }
        return address;
    }

    /** The key kept for {@code address}, if any (for tests). */
    public Optional<ECPoint> kept(Address address) {
        return Optional.ofNullable(keys.get(address));
    }

    private void remember(Address address, ECPoint key) {
        if (keys.size() >= MAX_KEYS) {
            keys.clear();
        }
        keys.put(address, key);
    }

    private static boolean verifies(BigInteger e, BigInteger r, BigInteger s, int parity, ECPoint q) {
        if (r.signum() <= 0 || r.compareTo(N) >= 0 || s.signum() <= 0 || s.compareTo(N) >= 0) {
            return false;
        }
        BigInteger w = s.modInverse(N);
        ECPoint x = ECAlgorithms.sumOfTwoMultiplies(CURVE.getG(), e.multiply(w).mod(N), q, r.multiply(w).mod(N)).normalize();
        return !x.isInfinity()
                && x.getAffineXCoord().toBigInteger().equals(r)
                && (x.getAffineYCoord().testBitZero() ? 1 : 0) == parity;
    }

    /** SEC 1 v2 §4.1.6 with j = 0 (v ∈ {27, 28}): Q = r⁻¹(s·R − e·G). */
    private static ECPoint recover(BigInteger e, BigInteger r, BigInteger s, int parity) {
        if (r.signum() <= 0 || r.compareTo(N) >= 0 || s.signum() <= 0 || s.compareTo(N) >= 0) {
            throw new InvalidSignatureException("the signature does not recover a key: r or s out of range");
        }
        ECPoint rPoint;
        try {
            X9IntegerConverter converter = new X9IntegerConverter();
            byte[] encoded = converter.integerToBytes(r, 1 + converter.getByteLength(CURVE.getCurve()));
            encoded[0] = (byte) (parity == 1 ? 0x03 : 0x02);
            rPoint = CURVE.getCurve().decodePoint(encoded);
        } catch (IllegalArgumentException ex) {
            throw new InvalidSignatureException("the signature does not recover a key: r is not on the curve");
        }
        BigInteger rInv = r.modInverse(N);
        ECPoint q = ECAlgorithms.sumOfTwoMultiplies(CURVE.getG(), N.subtract(e).mod(N).multiply(rInv).mod(N),
                rPoint, rInv.multiply(s).mod(N)).normalize();
        if (q.isInfinity()) {
            throw new InvalidSignatureException("the signature does not recover a key");
        }
        return q;
    }

    private static Address address(ECPoint key) {
        byte[] encoded = key.getEncoded(false);
        byte[] hash = Keccak256.hash(encoded, 1, 64);
        return new Address(Numeric.toHexString(hash, 12, 20, true));
    }

    private static byte[] prefixed(byte[] hash) {
        byte[] message = new byte[PREFIX.length + hash.length];
        System.arraycopy(PREFIX, 0, message, 0, PREFIX.length);
        System.arraycopy(hash, 0, message, PREFIX.length, hash.length);
        return Keccak256.hash(message);
    }
}
