package cloud.agora.protocol.invocation;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.Keccak256;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eth.Secp256k1;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;
import org.web3j.crypto.ECKeyPair;

/**
 * The storage gateway's authorization to use one storage lease at one provider's agent (put and read blocks, answer
 * challenges, list and delete the lease's blocks) until {@code expiresAt}. Signed by the storage gateway's own key.
 * Unlike an {@link InvocationGrant} it may be used several times while valid: the operations it allows are
 * idempotent, bounded to one lease and cost the provider nothing it is not paid for.
 *
 * <p>Sent as {@code Authorization: Agora-Grant <token>} ({@link #SCHEME}, {@link #toToken()}): the base64url (no
 * padding) of the 120-byte canonical encoding, a dot, then the 0x hex signature. Canonical encoding: the 32-byte
 * ASCII tag {@value #ENCODING_TAG} zero-padded, lease id (16), provider (20), then issuedAt and expiresAt (epoch
 * milliseconds, unsigned 64-bit big-endian) and 32 zero bytes reserved. The signature is EIP-191
 * {@code personal_sign} over its keccak256.
 */
public record StorageGrant(UUID leaseId, Address provider, Instant issuedAt, Instant expiresAt, String signature) {

    /** Versions the encoding. */
    public static final String ENCODING_TAG = "agora.storage-grant.v1";
    /** The authorization scheme of the token. */
    public static final String SCHEME = "Agora-Grant";
    /** Length of {@link #canonicalBytes()}. */
    public static final int ENCODED_LENGTH = CanonicalBytes.TAG + 16 + 20 + 2 * 8 + 32;

    public StorageGrant {
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        issuedAt = Instant.ofEpochMilli(issuedAt.toEpochMilli());
        expiresAt = Instant.ofEpochMilli(expiresAt.toEpochMilli());
        if (!expiresAt.isAfter(issuedAt)) {
            throw new IllegalArgumentException("a grant expires after it is issued");
        }
    }

    /** A grant for {@code leaseId} at {@code provider}, valid for {@code validity}, signed by {@code gatewayKey}. */
    public static StorageGrant issue(UUID leaseId, Address provider, Instant now, Duration validity, ECKeyPair gatewayKey) {
        StorageGrant unsigned = new StorageGrant(leaseId, provider, now, now.plus(validity), null);
        return new StorageGrant(leaseId, provider, unsigned.issuedAt, unsigned.expiresAt,
                PersonalSignature.toHex(Secp256k1.signPrefixed(unsigned.hash(), gatewayKey)));
    }

    /** The canonical encoding; the signature is not part of it. */
    public byte[] canonicalBytes() {
        ByteBuffer out = ByteBuffer.allocate(ENCODED_LENGTH);
        CanonicalBytes.tag(out, ENCODING_TAG);
        CanonicalBytes.uuid(out, leaseId);
        CanonicalBytes.address(out, provider);
        out.putLong(issuedAt.toEpochMilli()).putLong(expiresAt.toEpochMilli()).put(new byte[32]);
        return out.array();
    }

    /** keccak256 of the canonical encoding: what is signed. */
    public byte[] hash() {
        return Keccak256.hash(canonicalBytes());
    }

    /** The compact form sent after {@value #SCHEME} in an {@code Authorization} header. */
    public String toToken() {
        if (signature == null) {
            throw new IllegalStateException("an unsigned grant has no token");
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(canonicalBytes()) + "." + signature;
    }

    /**
     * Reads a token (without the scheme). The signature is not checked here: see {@link GrantVerifier}.
     *
     * @throws IllegalArgumentException when it is not a storage grant token
     */
    public static StorageGrant fromToken(String token) {
        int dot = token == null ? -1 : token.indexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("a storage grant token is <base64url encoding>.<signature>");
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(Base64.getUrlDecoder().decode(token.substring(0, dot)));
            if (in.remaining() != ENCODED_LENGTH || !ENCODING_TAG.equals(CanonicalBytes.tag(in))) {
                throw new IllegalArgumentException("not a " + ENCODING_TAG + " encoding");
            }
            UUID lease = CanonicalBytes.uuid(in);
            Address provider = CanonicalBytes.address(in);
            Instant issued = Instant.ofEpochMilli(in.getLong());
            Instant expires = Instant.ofEpochMilli(in.getLong());
            byte[] reserved = new byte[32];
            in.get(reserved);
            for (byte b : reserved) {
                if (b != 0) {
                    throw new IllegalArgumentException("the reserved bytes of a storage grant are zero");
                }
            }
            String signature = token.substring(dot + 1);
            PersonalSignature.parse(signature);
            return new StorageGrant(lease, provider, issued, expires, signature);
        } catch (BufferUnderflowException | cloud.agora.protocol.eth.InvalidSignatureException e) {
            throw new IllegalArgumentException("not a storage grant token: " + e.getMessage(), e);
        }
    }
}
