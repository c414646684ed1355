package cloud.agora.protocol.usage;

/** The event types on {@code usage.receipts.v1} ({@link cloud.agora.protocol.event.EventEnvelope#type()}). */
public final class UsageEvents {

    /** One {@link UsageReceipt}: an agent's copy (provider-signed), or a copy counter-signed by a gateway (still accepted; the gateway sends {@link #WITNESS_BATCH} instead); key = lease id. */
    public static final String RECEIPT = "UsageRecorded";
    /** A provider's {@link ReceiptBatch}; key = provider address, id = the batch root. */
    public static final String RECEIPT_BATCH = "ReceiptBatchAttested";
    /** A gateway's {@link WitnessBatch}; key = gateway address, id = the batch root. */
    public static final String WITNESS_BATCH = "ReceiptsWitnessed";

    private UsageEvents() {
    }
}
