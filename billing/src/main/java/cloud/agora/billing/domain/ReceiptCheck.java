package cloud.agora.billing.domain;

import cloud.agora.billing.domain.Rejection.Reasons;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.ReceiptBounds;
import cloud.agora.protocol.usage.StoragePeriods;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.WitnessBatch;
import java.time.Duration;
import java.time.Instant;
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
    private final Set<Address> storageGateways;
    private final Set<Address> witnesses;
    private final Duration storagePeriod;
    private final Duration skew;
    private final SignerKeys keys = new SignerKeys();

    /**
     * @param gateways        the functions gateway keys whose counter-signature (witness) counts for calls; at least one
     * @param storageGateways the storage gateway keys whose counter-signature counts for storage periods (and nothing
     *                        else)
     * @param storagePeriod   the storage period ({@link StoragePeriods})
     * @param skew            the clock difference tolerated between gateway and provider in the bounds check
     * @throws IllegalArgumentException when {@code gateways} is empty: nothing could ever be witnessed
     */
    public ReceiptCheck(Set<Address> gateways, Set<Address> storageGateways, Duration storagePeriod, Duration skew) {
        if (gateways.isEmpty()) {
            throw new IllegalArgumentException("no trusted gateway: billing rates only receipts witnessed by a gateway key");
        }
        this.gateways = Set.copyOf(gateways);
        this.storageGateways = Set.copyOf(storageGateways);
        Set<Address> all = new java.util.HashSet<>(gateways);
        all.addAll(storageGateways);
        this.witnesses = Set.copyOf(all);
        this.storagePeriod = Objects.requireNonNull(storagePeriod, "storagePeriod");
        this.skew = Objects.requireNonNull(skew, "skew");
    }

    /** A check for calls only: no storage gateway. */
    public ReceiptCheck(Set<Address> gateways, Duration skew) {
        this(gateways, Set.of(), Duration.ofHours(1), skew);
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
                gateway = keys.signer(hash, receipt.gatewaySignature(), witnesses);
            } catch (IllegalArgumentException e) {
                return reject(receipt, Reasons.BAD_GATEWAY_SIGNATURE, e.getMessage());
            }
            if (!witnesses.contains(gateway)) {
                return reject(receipt, Reasons.BAD_GATEWAY_SIGNATURE, "counter-signed by " + gateway + ", not a platform gateway");
            }
            if (receipt.grant() != null && !gateways.contains(gateway)) {
                return reject(receipt, Reasons.BAD_GATEWAY_SIGNATURE,
                        "counter-signed by the storage gateway " + gateway + ", which witnesses no calls");
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
        if (terms.storage() != null) {
            return storagePeriod(receipt, terms);
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

    /**
     * A storage lease's receipt: exactly one of its periods ({@link StoragePeriods#problem}), from the period that
     * contains the lease's start to the one in which it closed, witnessed on the receipt itself by a storage gateway
     * (the gateway witnesses a period only after it ended with the replica whole and audited).
     */
    private Optional<Rejection> storagePeriod(UsageReceipt receipt, LeaseTerms terms) {
        if (receipt.gatewaySignature() == null) {
            return reject(receipt, Reasons.UNWITNESSED, "a storage period of lease " + terms.leaseId()
                    + " is rated only with a storage gateway's witness on the receipt itself");
        }
        if (!storageGateways.contains(witness(receipt, storageGateways))) {
            return reject(receipt, Reasons.BAD_GATEWAY_SIGNATURE, "a storage period of lease " + terms.leaseId()
                    + " is witnessed by a storage gateway, not by " + witness(receipt, storageGateways));
        }
        Optional<String> problem = StoragePeriods.problem(receipt, storagePeriod);
        if (problem.isPresent()) {
            return reject(receipt, Reasons.OUT_OF_BOUNDS, problem.get());
        }
        Instant first = StoragePeriods.periodStart(terms.storage().createdAt(), storagePeriod);
        if (receipt.startedAt().isBefore(first)
                || (terms.closedAt() != null && !receipt.startedAt().isBefore(terms.closedAt()))) {
            return reject(receipt, Reasons.OUTSIDE_LEASE, "the storage period starting at " + receipt.startedAt()
                    + " is outside lease " + terms.leaseId() + " (" + terms.storage().createdAt() + " to "
                    + (terms.closedAt() == null ? "now" : terms.closedAt()) + ")");
        }
        return Optional.empty();
    }

    /** Who counter-signed the receipt (its hash recomputed: a rare path), or null when the signature is unreadable. */
    private Address witness(UsageReceipt receipt, Set<Address> likely) {
        try {
            return keys.signer(receipt.hash(), receipt.gatewaySignature(), likely);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Optional<Rejection> reject(UsageReceipt receipt, String reason, String detail) {
        return Optional.of(new Rejection(receipt.invocationId(), reason, detail));
    }
}
