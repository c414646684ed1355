package cloud.agora.functions.domain.recording;

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
        /**
         * Witnessed: verified, within bounds, its hash in the gateway's witness batch on {@code usage.receipts.v1}
         * (the name is older than witness batches: the gateway no longer forwards the receipt itself).
         */
        FORWARDED,
        /** Rows from before the gateway key was required: verified but not witnessed. No longer written. */
        VERIFIED,
        /**
         * Not witnessed: wrong signer, bad signature, ids that do not match the call, not the grant this gateway
         * issued, out of the lease's bounds or disagreeing with what the gateway saw ({@code receiptProblem} starts
         * with the reason slug). In no witness batch.
         */
        SUSPECT,
        /** The agent sent none (or an unreadable one). */
        MISSING
    }
}
