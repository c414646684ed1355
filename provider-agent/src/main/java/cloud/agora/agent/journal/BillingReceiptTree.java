package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.ReceiptTreeAnswer;
import cloud.agora.protocol.usage.ReceiptTreeQuery;

/**
 * Billing's side of the anti-entropy exchange: the nodes of its prefix tree ({@code ReceiptPrefixTree}) over the
 * receipts it holds of one of this provider's leases and UTC days.
 */
public interface BillingReceiptTree {

    /**
     * Billing's answer.
     *
     * @throws LeaseRefusedException when billing refuses the lease (it does not know it as this provider's)
     * @throws RuntimeException      when billing cannot be reached or answers otherwise; asked again on a later pass
     */
    ReceiptTreeAnswer nodes(ReceiptTreeQuery query);

    /** Billing does not know the lease as this provider's (yet): nothing of it can be compared now. */
    final class LeaseRefusedException extends RuntimeException {

        public LeaseRefusedException(String message) {
            super(message);
        }
    }
}
