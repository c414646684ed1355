package cloud.agora.protocol.event;

/** The platform's Kafka topics: {@code <module>.<aggregate>.v<N>}, one record type each. */
public final class Topics {

    /** {@code EventEnvelope<LeaseView>}: LeaseCreated, LeaseClosed. Key: lease id. */
    public static final String MARKETPLACE_LEASES = "marketplace.leases.v1";
    /** {@code EventEnvelope<OfferView>}: OfferPublished. Key: provider address. */
    public static final String MARKETPLACE_OFFERS = "marketplace.offers.v1";
    public static final String USAGE_RECEIPTS = "usage.receipts.v1";
    public static final String BILLING_SETTLEMENTS = "billing.settlements.v1";
    /** Billing's credit decisions ({@code CreditExhausted} / {@code CreditRestored}), key = developer address. */
    public static final String BILLING_CREDIT = "billing.credit.v1";
    /** Billing's decisions of disputes over charges ({@code DisputeDecided}), key = the provider. */
    public static final String BILLING_DISPUTES = "billing.disputes.v1";
    public static final String GOVERNANCE_DECISIONS = "governance.decisions.v1";
    public static final String FUNCTIONS_INVOCATIONS = "functions.invocations.v1";
    public static final String FUNCTIONS_DEAD_LETTERS = "functions.dead-letters.v1";
    /**
     * {@code EventEnvelope<CallObservations>}: what a functions gateway saw of the calls it sent to a provider (the
     * evidence of provider reputation). Key: provider address.
     */
    public static final String FUNCTIONS_OBSERVATIONS = "functions.observations.v1";
    /**
     * Records a consumer refused (not signed by their topic's producer, or unreadable), copied as they were with headers
     * saying why, which consumer and where from. For operators; nothing consumes it.
     */
    public static final String QUARANTINE = "platform.quarantine.v1";

    private Topics() {
    }
}
