package cloud.agora.functions.domain;

import java.math.BigInteger;
import java.time.Instant;
import java.util.UUID;

/**
 * What the gateway keeps of one call an agent answered: the outcome and what it used by the
 * provider's receipt (zeros when there is no trustworthy receipt).
 *
 * @param chargeWei     estimate at the lease's prices, null when unknown
 * @param receiptStatus what happened to the receipt
 * @param receiptProblem why a receipt is SUSPECT or MISSING, else null
 */
public record InvocationRecord(UUID id, UUID functionId, int version, String provider, UUID leaseId, String status,
        int exitCode, long cpuNanos, long memoryMibMillis, long wallMillis, long bytesIn, long bytesOut, BigInteger chargeWei,
        ReceiptStatus receiptStatus, String receiptProblem, Instant at) {

    /** What the gateway did with the receipt an agent returned. */
    public enum ReceiptStatus {
        /** Provider signature verified, counter-signed, published on {@code usage.receipts.v1}. */
        FORWARDED,
        /** Verified, but this gateway has no key: not counter-signed (billing still has the agent's copy). */
        VERIFIED,
        /** Wrong signer, bad signature or ids that do not match the call: not forwarded. */
        SUSPECT,
        /** The agent sent none (or an unreadable one). */
        MISSING
    }
}
