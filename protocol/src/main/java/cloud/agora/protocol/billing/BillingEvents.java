package cloud.agora.protocol.billing;

/**
 * What billing publishes: the envelope types and source of {@code billing.settlements.v1}
 * ({@code EventEnvelope<SettlementView>}, key = consumer address) and of {@code billing.credit.v1}
 * ({@code EventEnvelope<CreditView>}, key = consumer address).
 */
public final class BillingEvents {

    public static final String SOURCE = "billing";
    /** A voucher's redeem reached the confirmation depth. */
    public static final String SETTLEMENT_CONFIRMED = "SettlementConfirmed";
    /** A confirmed redeem disappeared in a reorganisation deeper than the confirmation depth. */
    public static final String SETTLEMENT_REVERTED = "SettlementReverted";
    /**
     * Billing will not collect more for the developer: their spendable credit fell below the floor, or billing is not
     * (or will not stay) their delegate ({@link CreditView#reason()}): pause their deployments.
     */
    public static final String CREDIT_EXHAUSTED = "CreditExhausted";
    /** Funds or an authorization arrived (or charges were paid): the developer's deployments may run again. */
    public static final String CREDIT_RESTORED = "CreditRestored";
    /**
     * A timed review found the developer's credit unchanged in kind (still paused, or still running): the payload is
     * the figures of that review, so that gateways hold what they grant under the developer's newest spendable
     * credit ({@link CreditView#spendable()}).
     */
    public static final String CREDIT_REVIEWED = "CreditReviewed";
    /** The topic of credit decisions (functions pauses and resumes routing on it). */
    public static final String CREDIT_TOPIC = cloud.agora.protocol.event.Topics.BILLING_CREDIT;

    private BillingEvents() {
    }
}
