package cloud.agora.billing.domain;

import cloud.agora.billing.domain.Rejection.Reasons;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.ReceiptBounds;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.WitnessBatch;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The checks a receipt passes before it is rated: the provider's signature, the gateway's counter-signature (when
 * present: a receipt without one is the agent's copy and waits for its witnessed twin), that its lease exists,
 * belongs to its provider and is paid by its consumer, that the call was granted while the lease was open, and that
 * its figures lie within its grant's and its lease's bounds ({@link ReceiptBounds}). Pure: no I/O.
 */
public final class ReceiptCheck {

    private final Set<Address> gateways;
    private final Duration skew;
    private final SignerKeys keys = new SignerKeys();

    /**
     * @param gateways the gateway keys whose counter-signature (witness) counts; at least one
     * @param skew     the clock difference tolerated between gateway and provider in the bounds check
     * @throws IllegalArgumentException when {@code gateways} is empty: nothing could ever be witnessed
     */
    public ReceiptCheck(Set<Address> gateways, Duration skew) {
        if (gateways.isEmpty()) {
            throw new IllegalArgumentException("no trusted gateway: billing rates only receipts witnessed by a gateway key");
        }
        this.gateways = Set.copyOf(gateways);
        this.skew = Objects.requireNonNull(skew, "skew");
    }

    /** Checks the signatures alone (CPU-bound; safe to run in parallel). */
    public Optional<Rejection> signatures(UsageReceipt receipt) {
        return signatures(receipt, receipt.hash());
    }

    /**
     * Checks the signatures alone, {@code hash} being {@link UsageReceipt#hash()} (CPU-bound; safe to run in parallel).
     * Same answers as {@link UsageReceipt#verifyProviderSignature()} and {@link UsageReceipt#gatewaySigner()}, through
     * {@link SignerKeys}' kept public keys.
     */
    public Optional<Rejection> signatures(UsageReceipt receipt, byte[] hash) {
        return signatures(receipt, hash, false);
    }

    /**
     * Checks the signatures alone, as {@link #signatures(UsageReceipt, byte[])}; {@code inAttestedBatch}: the receipt
     * came in a provider's batch whose attestation was verified ({@link #receiptBatch}), so it needs no provider
     * signature of its own (one it carries is not checked).
     */
    public Optional<Rejection> signatures(UsageReceipt receipt, byte[] hash, boolean inAttestedBatch) {
        if (!inAttestedBatch && receipt.providerSignature() == null) {
            return reject(receipt, Reasons.BAD_PROVIDER_SIGNATURE, "the receipt is not signed by its provider");
        }
        if (receipt.memoryMibMillis() != UsageReceipt.memoryMibMillis(receipt.peakMemoryBytes(), receipt.wallMillis())) {
            return reject(receipt, Reasons.INVALID_USAGE, "memoryMibMillis does not follow the memory rule");
        }
        if (!inAttestedBatch) {
            try {
                if (!keys.signedBy(hash, receipt.providerSignature(), receipt.provider())) {
                    return reject(receipt, Reasons.BAD_PROVIDER_SIGNATURE, "the receipt is not signed by its provider " + receipt.provider());
                }
            } catch (InvalidSignatureException e) {
                return reject(receipt, Reasons.BAD_PROVIDER_SIGNATURE, e.getMessage());
            }
        }
        if (receipt.gatewaySignature() != null) {
            Address gateway;
            try {
                gateway = keys.signer(hash, receipt.gatewaySignature(), gateways);
            } catch (IllegalArgumentException e) {
                return reject(receipt, Reasons.BAD_GATEWAY_SIGNATURE, e.getMessage());
            }
            if (!gateways.contains(gateway)) {
                return reject(receipt, Reasons.BAD_GATEWAY_SIGNATURE, "counter-signed by " + gateway + ", not a platform gateway");
            }
        }
        return Optional.empty();
    }

    /**
     * Why a provider's batch does not attest its receipts, if it does not ({@link ReceiptBatch#problem}): one
     * signature check for the whole batch.
     *
     * @param hashes the receipts' hashes, in order
     */
    public Optional<String> receiptBatch(ReceiptBatch batch, List<byte[]> hashes) {
        return batch.problem(hashes, keys);
    }

    /**
     * Why a witness batch does not count, if it does not: signed by a key that is not a trusted gateway, or invalid.
     *
     * @param hashes the batch's hashes ({@link WitnessBatch#hashes()})
     */
    public Optional<String> witnessBatch(WitnessBatch batch, List<byte[]> hashes) {
        Address signer = batch.attestation().signer();
        if (!gateways.contains(signer)) {
            return Optional.of("attested by " + signer + ", not a platform gateway");
        }
        return batch.problem(hashes, keys);
    }

    /**
     * Checks the receipt against its lease ({@code lease} empty when billing does not know it), then against its grant
     * and the lease's resources. A grant issued after the lease closed is outside the lease, whatever the receipt's
     * {@code startedAt} says: the start must lie in the grant's window, which the gateway signed, so backdating the
     * start cannot bring a call after the closing back inside the lease.
     */
    public Optional<Rejection> lease(UsageReceipt receipt, Optional<LeaseTerms> lease) {
        if (lease.isEmpty()) {
            return reject(receipt, Reasons.UNKNOWN_LEASE, "no lease " + receipt.leaseId() + " (yet): parked until it arrives");
        }
        LeaseTerms terms = lease.get();
        if (!terms.provider().equals(receipt.provider())) {
            return reject(receipt, Reasons.LEASE_PROVIDER_MISMATCH,
                    "lease " + terms.leaseId() + " belongs to " + terms.provider() + ", the receipt is signed by " + receipt.provider());
        }
        if (!terms.owner().equals(receipt.consumer())) {
            return reject(receipt, Reasons.LEASE_CONSUMER_MISMATCH,
                    "lease " + terms.leaseId() + " is paid by " + terms.owner() + ", the receipt names " + receipt.consumer());
        }
        if (terms.closedAt() != null && receipt.startedAt().isAfter(terms.closedAt())) {
            return reject(receipt, Reasons.OUTSIDE_LEASE,
                    "the invocation started at " + receipt.startedAt() + ", after the lease closed at " + terms.closedAt());
        }
        InvocationGrant grant = receipt.grant();
        if (terms.closedAt() != null && grant != null && grant.issuedAt().isAfter(terms.closedAt())) {
            return reject(receipt, Reasons.OUTSIDE_LEASE,
                    "the call was granted at " + grant.issuedAt() + ", after the lease closed at " + terms.closedAt());
        }
        if (grant != null && (terms.cpuMillis() == null || terms.memoryMiB() == null)) {
            return reject(receipt, Reasons.OUT_OF_BOUNDS, "billing does not know lease " + terms.leaseId()
                    + "'s resources (recorded before they were kept): its receipts cannot be bounded");
        }
        Optional<ReceiptBounds.Violation> violation = ReceiptBounds.check(receipt,
                terms.cpuMillis() == null ? 0 : terms.cpuMillis(), terms.memoryMiB() == null ? 0 : terms.memoryMiB(), skew);
        return violation.flatMap(v -> reject(receipt, v.reason(), v.detail()));
    }

    private static Optional<Rejection> reject(UsageReceipt receipt, String reason, String detail) {
        return Optional.of(new Rejection(receipt.invocationId(), reason, detail));
    }
}
