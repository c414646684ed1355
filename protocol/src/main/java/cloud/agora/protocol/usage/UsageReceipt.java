package cloud.agora.protocol.usage;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.eth.Keccak256;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eth.Secp256k1;
import cloud.agora.protocol.invocation.InvocationGrant;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;

/**
 * What one function invocation used, as metered by the provider's agent from the kernel's
 * accounting of the container's cgroup, naming the gateway's {@link InvocationGrant} that authorized the call,
 * signed by the provider and witnessed (counter-signed) by the platform gateway that routed the call. Billing rates
 * each receipt once, by {@code invocationId}, and only when it carries its grant, the gateway's witness and usage
 * within the grant's and the lease's bounds.
 *
 * <p><b>Canonical encoding</b> ({@link #canonicalBytes()}): a fixed-length byte string, so
 * that no two receipts encode alike: the 24-byte ASCII tag {@value #ENCODING_TAG} zero-padded,
 * then invocation id (16 bytes, big-endian UUID), lease id (16), provider (20), consumer (20),
 * the grant's hash ({@link InvocationGrant#hash()}, 32 bytes; 32 zero bytes for a receipt without a grant),
 * then the unsigned 64-bit big-endian integers cpuNanos, peakMemoryBytes, memoryMibMillis,
 * wallMillis, bytesIn, bytesOut, startedAt and endedAt (both epoch milliseconds) — 192 bytes.
 * {@link #hash()} is its keccak256; it is also the receipt's leaf in a {@link ReceiptMerkleTree}.
 *
 * <p><b>Signatures</b> are EIP-191 {@code personal_sign} over the 32 hash bytes (what
 * {@code wallet.signMessage(getBytes(hash))} in ethers.js and OpenZeppelin's
 * {@code MessageHashUtils.toEthSignedMessageHash(bytes32)} produce), 65 bytes r‖s‖v hex.
 * The gateway counter-signs the same hash.
 *
 * <p><b>Memory rule:</b> {@code memoryMibMillis = ceil(peakMemoryBytes / MiB) × wallMillis}:
 * the peak is charged for the whole wall time (the kernel keeps only the peak, not the curve).
 *
 * @param invocationId      the invocation, unique on the platform (the deduplication key)
 * @param leaseId           the lease the call ran under (its prices rate the receipt)
 * @param provider          the provider that ran it and signs the receipt
 * @param consumer          the developer who pays
 * @param cpuNanos          CPU time of all the container's processes (cgroup {@code cpuacct.usage})
 * @param peakMemoryBytes   the container's memory high-water mark ({@code memory.max_usage_in_bytes})
 * @param memoryMibMillis   peak MiB (rounded up) × wall milliseconds
 * @param wallMillis        wall time from start to exit
 * @param bytesIn           request bytes given to the function
 * @param bytesOut          response bytes it wrote
 * @param startedAt         when it started (millisecond precision in the encoding)
 * @param endedAt           when it ended
 * @param grant             the gateway's grant the call ran under (its hash is part of the encoding), or null
 * @param providerSignature 0x r‖s‖v over {@link #hash()} by {@code provider}
 * @param gatewaySignature  the gateway's counter-signature over the same hash, or null
 */
public record UsageReceipt(
        UUID invocationId,
        UUID leaseId,
        Address provider,
        Address consumer,
        long cpuNanos,
        long peakMemoryBytes,
        long memoryMibMillis,
        long wallMillis,
        long bytesIn,
        long bytesOut,
        Instant startedAt,
        Instant endedAt,
        InvocationGrant grant,
        String providerSignature,
        String gatewaySignature) {

    /** Versions the encoding: a change of layout is a new tag. */
    public static final String ENCODING_TAG = "agora.usage-receipt.v2";
    /** Length of {@link #canonicalBytes()}. */
    public static final int ENCODED_LENGTH = 24 + 16 + 16 + 20 + 20 + 32 + 8 * 8;
    private static final long MIB = 1024L * 1024L;
    private static final byte[] NO_GRANT = new byte[32];

    public UsageReceipt {
        Objects.requireNonNull(invocationId, "invocationId");
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        if (cpuNanos < 0 || peakMemoryBytes < 0 || memoryMibMillis < 0 || wallMillis < 0 || bytesIn < 0 || bytesOut < 0) {
            throw new IllegalArgumentException("usage figures are never negative");
        }
        if (endedAt.isBefore(startedAt)) {
            throw new IllegalArgumentException("a receipt ends after it starts");
        }
    }

    /**
     * An unsigned receipt from raw figures, applying the memory rule.
     */
    public static UsageReceipt unsigned(UUID invocationId, UUID leaseId, Address provider, Address consumer, long cpuNanos,
            long peakMemoryBytes, long wallMillis, long bytesIn, long bytesOut, Instant startedAt, Instant endedAt,
            InvocationGrant grant) {
        return new UsageReceipt(invocationId, leaseId, provider, consumer, cpuNanos, peakMemoryBytes,
                memoryMibMillis(peakMemoryBytes, wallMillis), wallMillis, bytesIn, bytesOut, startedAt, endedAt, grant, null,
                null);
    }

    /** The memory rule: peak MiB rounded up, times wall milliseconds. */
    public static long memoryMibMillis(long peakMemoryBytes, long wallMillis) {
        long peakMib = (peakMemoryBytes + MIB - 1) / MIB;
        return Math.multiplyExact(peakMib, wallMillis);
    }

    /** The canonical encoding (see the type's Javadoc); signatures are not part of it. */
    public byte[] canonicalBytes() {
        ByteBuffer out = ByteBuffer.allocate(ENCODED_LENGTH);
        byte[] tag = ENCODING_TAG.getBytes(StandardCharsets.US_ASCII);
        out.put(tag).put(new byte[24 - tag.length]);
        putUuid(out, invocationId);
        putUuid(out, leaseId);
        out.put(Numeric.hexStringToByteArray(provider.value()));
        out.put(Numeric.hexStringToByteArray(consumer.value()));
        out.put(grant == null ? NO_GRANT : grant.hash());
        out.putLong(cpuNanos).putLong(peakMemoryBytes).putLong(memoryMibMillis).putLong(wallMillis)
                .putLong(bytesIn).putLong(bytesOut)
                .putLong(startedAt.toEpochMilli()).putLong(endedAt.toEpochMilli());
        return out.array();
    }

    /** keccak256 of the canonical encoding: what is signed, and the receipt's Merkle leaf. */
    public byte[] hash() {
        return Keccak256.hash(canonicalBytes());
    }

    /** The 0x hex form of {@link #hash()}. */
    public String hashHex() {
        return Numeric.toHexString(hash());
    }

    /**
     * This receipt signed by the provider's key.
     *
     * @throws IllegalArgumentException when the key is not the receipt's provider
     */
    public UsageReceipt signedByProvider(ECKeyPair providerKey) {
        requireSigner(providerKey, provider, "provider");
        return new UsageReceipt(invocationId, leaseId, provider, consumer, cpuNanos, peakMemoryBytes, memoryMibMillis,
                wallMillis, bytesIn, bytesOut, startedAt, endedAt, grant, sign(providerKey), gatewaySignature);
    }

    /** This receipt with the gateway's counter-signature added. */
    public UsageReceipt counterSignedByGateway(ECKeyPair gatewayKey) {
        return new UsageReceipt(invocationId, leaseId, provider, consumer, cpuNanos, peakMemoryBytes, memoryMibMillis,
                wallMillis, bytesIn, bytesOut, startedAt, endedAt, grant, providerSignature, sign(gatewayKey));
    }

    /**
     * Checks the provider's signature and the memory rule.
     *
     * @throws InvalidSignatureException when unsigned, malformed or not signed by {@code provider}
     * @throws IllegalArgumentException  when memoryMibMillis does not follow the memory rule
     */
    public void verifyProviderSignature() {
        if (providerSignature == null) {
            throw new InvalidSignatureException("the receipt is not signed by its provider");
        }
        if (memoryMibMillis != memoryMibMillis(peakMemoryBytes, wallMillis)) {
            throw new IllegalArgumentException("memoryMibMillis does not follow the memory rule");
        }
        Address signer = recover(providerSignature);
        if (!signer.equals(provider)) {
            throw new InvalidSignatureException("the receipt is signed by " + signer + ", not its provider " + provider);
        }
    }

    /**
     * The address whose counter-signature the receipt carries.
     *
     * @throws InvalidSignatureException when it has none or it is malformed
     */
    public Address gatewaySigner() {
        if (gatewaySignature == null) {
            throw new InvalidSignatureException("the receipt is not counter-signed");
        }
        return recover(gatewaySignature);
    }

    private String sign(ECKeyPair key) {
        return PersonalSignature.toHex(Secp256k1.signPrefixed(hash(), key));
    }

    private Address recover(String signatureHex) {
        return Secp256k1.recoverPrefixed(hash(), PersonalSignature.parse(signatureHex));
    }

    private static void requireSigner(ECKeyPair key, Address expected, String role) {
        Address actual = Address.of(key);
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException("the key of " + actual + " is not the receipt's " + role + " " + expected);
        }
    }

    private static void putUuid(ByteBuffer out, UUID id) {
        out.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }
}
