package cloud.agora.billing.domain;

import cloud.agora.billing.domain.Rejection.Reasons;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.usage.UsageReceipt;
import java.util.Optional;
import java.util.Set;

/**
 * The checks a receipt passes before it is rated: the provider's signature, the gateway's counter-signature when
 * present, and that its lease exists, belongs to its provider and is paid by its consumer. Pure: no I/O.
 */
public final class ReceiptCheck {

    private final Set<Address> gateways;
    private final SignerKeys keys = new SignerKeys();

    /** @param gateways the gateway keys whose counter-signature counts; empty accepts any recoverable one */
    public ReceiptCheck(Set<Address> gateways) {
        this.gateways = Set.copyOf(gateways);
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
        if (receipt.providerSignature() == null) {
            return reject(receipt, Reasons.BAD_PROVIDER_SIGNATURE, "the receipt is not signed by its provider");
        }
        if (receipt.memoryMibMillis() != UsageReceipt.memoryMibMillis(receipt.peakMemoryBytes(), receipt.wallMillis())) {
            return reject(receipt, Reasons.INVALID_USAGE, "memoryMibMillis does not follow the memory rule");
        }
        try {
            if (!keys.signedBy(hash, receipt.providerSignature(), receipt.provider())) {
                return reject(receipt, Reasons.BAD_PROVIDER_SIGNATURE, "the receipt is not signed by its provider " + receipt.provider());
            }
        } catch (InvalidSignatureException e) {
            return reject(receipt, Reasons.BAD_PROVIDER_SIGNATURE, e.getMessage());
        }
        if (receipt.gatewaySignature() != null) {
            Address gateway;
            try {
                gateway = keys.signer(hash, receipt.gatewaySignature(), gateways);
            } catch (IllegalArgumentException e) {
                return reject(receipt, Reasons.BAD_GATEWAY_SIGNATURE, e.getMessage());
            }
            if (!gateways.isEmpty() && !gateways.contains(gateway)) {
                return reject(receipt, Reasons.BAD_GATEWAY_SIGNATURE, "counter-signed by " + gateway + ", not a platform gateway");
            }
        }
        return Optional.empty();
    }

    /** Checks the receipt against its lease ({@code lease} empty when billing does not know it). */
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
        return Optional.empty();
    }

    private static Optional<Rejection> reject(UsageReceipt receipt, String reason, String detail) {
        return Optional.of(new Rejection(receipt.invocationId(), reason, detail));
    }
}
