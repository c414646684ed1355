package cloud.agora.protocol.invocation;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.eth.Keccak256;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eth.PrecomputedNonceSigner;
import cloud.agora.protocol.eth.Secp256k1;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;

/**
 * The platform gateway's authorization of one function call: this invocation, on this lease, at this provider, for
 * this developer, of this bundle, with at most this timeout, to be started between {@code issuedAt} and
 * {@code expiresAt}. Signed by the gateway's own Ethereum key; an agent runs a call only with a valid grant from a
 * gateway key it trusts, for a lease it holds, once per invocation id. A usage receipt names its grant
 * ({@link cloud.agora.protocol.usage.UsageReceipt#grant()}), so that billing charges only for calls the platform
 * authorized, within what the grant allowed.
 *
 * <p><b>Canonical encoding</b> ({@link #canonicalBytes()}), 160 bytes: the 32-byte ASCII tag {@value #ENCODING_TAG}
 * zero-padded, invocation id (16 bytes, big-endian UUID), lease id (16), provider (20), consumer (20),
 * keccak256 of the bundle CID's UTF-8 string (32), then unsigned 64-bit big-endian timeoutMillis, issuedAt and
 * expiresAt (epoch milliseconds). {@link #hash()} is its keccak256; the signature is EIP-191 {@code personal_sign}
 * over those 32 bytes (as for receipts), 65 bytes r‖s‖v hex.
 *
 * @param invocationId  the call (unique on the platform)
 * @param leaseId       the lease it runs under
 * @param provider      the provider that may run it
 * @param consumer      the developer who pays (the lease's owner)
 * @param bundle        the function version's bundle CID
 * @param timeoutMillis the longest the call may run
 * @param issuedAt      when the gateway issued it (millisecond precision)
 * @param expiresAt     the latest moment the call may start
 * @param signature     the gateway's signature over {@link #hash()}, or null while unsigned
 */
public record InvocationGrant(UUID invocationId, UUID leaseId, Address provider, Address consumer, String bundle,
        long timeoutMillis, Instant issuedAt, Instant expiresAt, String signature) {

    /** Versions the encoding. */
    public static final String ENCODING_TAG = "agora.invocation-grant.v1";
    /** Length of {@link #canonicalBytes()}. */
    public static final int ENCODED_LENGTH = CanonicalBytes.TAG + 16 + 16 + 20 + 20 + 32 + 3 * 8;

    public InvocationGrant {
        Objects.requireNonNull(invocationId, "invocationId");
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("a grant's timeout is positive");
        }
        issuedAt = Instant.ofEpochMilli(issuedAt.toEpochMilli());
        expiresAt = Instant.ofEpochMilli(expiresAt.toEpochMilli());
        if (!expiresAt.isAfter(issuedAt)) {
            throw new IllegalArgumentException("a grant expires after it is issued");
        }
    }

    /** An unsigned grant valid for {@code validity} from {@code issuedAt}. */
    public static InvocationGrant unsigned(UUID invocationId, UUID leaseId, Address provider, Address consumer, String bundle,
            long timeoutMillis, Instant issuedAt, Duration validity) {
        return new InvocationGrant(invocationId, leaseId, provider, consumer, bundle, timeoutMillis, issuedAt,
                issuedAt.plus(validity), null);
    }

    /** The canonical encoding (see the type's Javadoc); the signature is not part of it. */
    public byte[] canonicalBytes() {
        ByteBuffer out = ByteBuffer.allocate(ENCODED_LENGTH);
        CanonicalBytes.tag(out, ENCODING_TAG);
        CanonicalBytes.uuid(out, invocationId);
        CanonicalBytes.uuid(out, leaseId);
        CanonicalBytes.address(out, provider);
        CanonicalBytes.address(out, consumer);
        out.put(Keccak256.hash(bundle.getBytes(StandardCharsets.UTF_8)));
        out.putLong(timeoutMillis).putLong(issuedAt.toEpochMilli()).putLong(expiresAt.toEpochMilli());
        return out.array();
    }

    /** keccak256 of the canonical encoding: what the gateway signs, and what a receipt commits to. */
    public byte[] hash() {
        return Keccak256.hash(canonicalBytes());
    }

    /** The 0x hex form of {@link #hash()}. */
    @JsonIgnore
    public String hashHex() {
        return Numeric.toHexString(hash());
    }

    /** This grant signed by {@code gatewayKey}. */
    public InvocationGrant signedBy(ECKeyPair gatewayKey) {
        return new InvocationGrant(invocationId, leaseId, provider, consumer, bundle, timeoutMillis, issuedAt, expiresAt,
                PersonalSignature.toHex(Secp256k1.signPrefixed(hash(), gatewayKey)));
    }

    /** This grant signed by {@code signer}'s key, with a nonce it computed ahead when one is ready. */
    public InvocationGrant signedBy(PrecomputedNonceSigner signer) {
        return new InvocationGrant(invocationId, leaseId, provider, consumer, bundle, timeoutMillis, issuedAt, expiresAt,
                PersonalSignature.toHex(signer.signPrefixed(hash())));
    }

    /**
     * The address that signed the grant, by public-key recovery (for independent checks — hot paths use
     * {@link GrantVerifier}).
     *
     * @throws InvalidSignatureException when it is unsigned or the signature is malformed
     */
    public Address signer() {
        if (signature == null) {
            throw new InvalidSignatureException("the grant is not signed");
        }
        return Secp256k1.recoverPrefixed(hash(), PersonalSignature.parse(signature));
    }

    /** The grant's timeout as a duration. */
    public Duration timeout() {
        return Duration.ofMillis(timeoutMillis);
    }
}
