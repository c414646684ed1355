package cloud.agora.agent.storage;

import cloud.agora.agent.gateway.GatewayTrust;
import cloud.agora.agent.journal.ReceiptJournal;
import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.agent.metering.ReceiptSigner;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.usage.StoragePeriods;
import cloud.agora.protocol.usage.UsageReceipt;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The storage role's pay: the periods a storage gateway witnessed for a storage lease this provider holds become
 * receipts ({@link StoragePeriods}) the agent signs, journals and ships like a call's, so billing charges the lease's
 * owner its GiB-month price for them. Every period is checked before any is journalled (a bad batch changes
 * nothing): it ended, it does not start before the lease's first period, and a trusted storage gateway signed its
 * receipt's hash. A period already journalled is not counted again.
 */
public final class StoragePeriodReceipts {

    /** The most periods one request may carry. */
    public static final int MAX_PERIODS = 1000;

    private final LeaseBook leases;
    private final ReceiptSigner signer;
    private final ReceiptJournal journal;
    private final GatewayTrust trust;
    private final Clock clock;

    public StoragePeriodReceipts(LeaseBook leases, ReceiptSigner signer, ReceiptJournal journal, GatewayTrust trust,
            Clock clock) {
        this.leases = leases;
        this.signer = signer;
        this.journal = journal;
        this.trust = trust;
        this.clock = clock;
    }

    /**
     * Journals the receipts of the witnessed periods of {@code leaseId}.
     *
     * @throws StorageRejectedException {@code lease-not-held} 404, {@code invalid-period} 400 (nothing journalled)
     */
    public StoragePeriods.Accepted accept(UUID leaseId, StoragePeriods.WitnessedPeriods body) {
        LeaseView lease = leases.find(leaseId).filter(l -> l.kind() == BidKind.STORAGE)
                .orElseThrow(() -> new StorageRejectedException(404, "lease-not-held", "Lease not held",
                        "this provider holds no active storage lease " + leaseId, leaseId));
        if (body == null || body.periods() == null || body.periods().isEmpty() || body.periods().size() > MAX_PERIODS) {
            throw invalid(leaseId, "send {periods: [{start, periodMillis, gatewaySignature}]}, 1 to " + MAX_PERIODS);
        }
        Instant now = clock.instant();
        List<UsageReceipt> receipts = new ArrayList<>();
        for (StoragePeriods.Witnessed period : body.periods()) {
            if (period == null || period.start() == null || period.gatewaySignature() == null || period.periodMillis() <= 0) {
                throw invalid(leaseId, "every period has a start, a length and the gateway's signature");
            }
            Duration length = Duration.ofMillis(period.periodMillis());
            if (!StoragePeriods.periodStart(period.start(), length).equals(period.start())) {
                throw invalid(leaseId, period.start() + " is not the start of a " + length + " period");
            }
            if (period.start().plus(length).isAfter(now)) {
                throw invalid(leaseId, "the period starting at " + period.start() + " has not ended");
            }
            if (period.start().isBefore(StoragePeriods.periodStart(lease.createdAt(), length))) {
                throw invalid(leaseId, "the period starting at " + period.start() + " is before the lease began");
            }
            UsageReceipt receipt = period.receipt(leaseId, signer.provider(), lease.owner());
            Address witness;
            try {
                witness = receipt.gatewaySigner();
            } catch (IllegalArgumentException e) { // InvalidSignatureException among them
                throw invalid(leaseId, "the witness of the period starting at " + period.start() + " is unreadable");
            }
            if (!trust.storage().contains(witness)) {
                throw invalid(leaseId, "the period starting at " + period.start() + " is witnessed by " + witness
                        + ", not by a storage gateway this agent trusts");
            }
            receipts.add(receipt);
        }
        int accepted = 0;
        for (UsageReceipt receipt : receipts) {
            if (!journal.contains(receipt.invocationId())) {
                journal.append(signer.sign(receipt));
                accepted++;
            }
        }
        return new StoragePeriods.Accepted(accepted);
    }

    private static StorageRejectedException invalid(UUID leaseId, String detail) {
        return new StorageRejectedException(400, "invalid-period", "Invalid storage period", detail + "; nothing was kept",
                leaseId);
    }
}
