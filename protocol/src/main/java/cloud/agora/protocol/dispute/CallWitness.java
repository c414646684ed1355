package cloud.agora.protocol.dispute;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.Keccak256;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eth.Secp256k1;
import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.invocation.InvocationOutcome;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;

/**
 * A functions gateway's signed statement of how one call it witnessed ended: the receipt it witnessed (by hash), the
 * outcome and exit status the provider's agent reported, and when the gateway recorded it. It is the evidence a
 * dispute is decided on (billing checks that {@code gateway} is one of its trusted gateway keys and that the receipt
 * hash is the charged receipt's), served by the gateway at {@code GET /api/v1/invocations/{id}/witness} to the
 * function's owner.
 *
 * <p>The signed digest is {@code keccak256} of: the 32-byte ASCII tag {@value #ENCODING_TAG} zero-padded, the
 * invocation id and lease id (16 bytes each), provider and consumer (20 bytes each), the receipt hash (32 bytes), the
 * outcome's name (length-prefixed with 4 bytes, ASCII), the exit code (4 bytes), {@code witnessedAt} in epoch
 * milliseconds (8 bytes); the signature is EIP-191 {@code personal_sign} over the digest's 32 bytes.
 *
 * @param receiptHash 0x hex of the witnessed receipt's hash
 * @param outcome     how the call ended, as the agent reported it
 * @param exitCode    the function's exit status (137 when killed, -1 unknown)
 * @param witnessedAt when the gateway recorded the call
 * @param gateway     the signing gateway key
 * @param signature   0x r‖s‖v
 */
public record CallWitness(UUID invocationId, UUID leaseId, Address provider, Address consumer, String receiptHash,
        InvocationOutcome outcome, int exitCode, Instant witnessedAt, Address gateway, String signature) {

    /** Versions the digest. */
    public static final String ENCODING_TAG = "agora.call-witness.v1";

    public CallWitness {
        Objects.requireNonNull(invocationId, "invocationId");
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(receiptHash, "receiptHash");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(witnessedAt, "witnessedAt");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(signature, "signature");
        if (Numeric.hexStringToByteArray(receiptHash).length != 32) {
            throw new IllegalArgumentException("a receipt hash is 32 bytes");
        }
    }

    /** {@code key}'s witness of the call (the gateway's address is the key's). */
    public static CallWitness sign(UUID invocationId, UUID leaseId, Address provider, Address consumer, byte[] receiptHash,
            InvocationOutcome outcome, int exitCode, Instant witnessedAt, ECKeyPair key) {
        Instant at = Instant.ofEpochMilli(witnessedAt.toEpochMilli());
        String hash = Numeric.toHexString(receiptHash);
        byte[] digest = digest(invocationId, leaseId, provider, consumer, hash, outcome, exitCode, at);
        return new CallWitness(invocationId, leaseId, provider, consumer, hash, outcome, exitCode, at,
                PersonalSignature.addressOf(key), PersonalSignature.toHex(Secp256k1.signPrefixed(digest, key)));
    }

    /** What is signed. */
    public byte[] digest() {
        return digest(invocationId, leaseId, provider, consumer, receiptHash, outcome, exitCode, witnessedAt);
    }

    /** Whether the signature is {@code gateway}'s over this witness ({@code keys} keeps recovered keys). */
    public boolean signatureValid(SignerKeys keys) {
        try {
            return keys.signedBy(digest(), signature, gateway);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static byte[] digest(UUID invocationId, UUID leaseId, Address provider, Address consumer, String receiptHash,
            InvocationOutcome outcome, int exitCode, Instant witnessedAt) {
        byte[] tag = ENCODING_TAG.getBytes(StandardCharsets.US_ASCII);
        byte[] name = outcome.name().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(32 + 16 + 16 + 20 + 20 + 32 + 4 + name.length + 4 + 8);
        b.put(tag).put(new byte[32 - tag.length]);
        b.putLong(invocationId.getMostSignificantBits()).putLong(invocationId.getLeastSignificantBits());
        b.putLong(leaseId.getMostSignificantBits()).putLong(leaseId.getLeastSignificantBits());
        b.put(Numeric.hexStringToByteArray(provider.value())).put(Numeric.hexStringToByteArray(consumer.value()));
        b.put(Numeric.hexStringToByteArray(receiptHash));
        b.putInt(name.length).put(name).putInt(exitCode).putLong(witnessedAt.toEpochMilli());
        return Keccak256.hash(b.array());
    }
}
