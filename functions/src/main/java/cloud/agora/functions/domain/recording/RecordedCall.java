package cloud.agora.functions.domain.recording;

import cloud.agora.functions.domain.recording.InvocationRecord.ReceiptStatus;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.usage.UsageReceipt;
import java.time.Instant;
import java.util.UUID;

/**
 * One recorded call as the gateway witnessed it: what a witness of how it ended states.
 *
 * @param owner   the owner of the function the call belongs to
 * @param status  the agent's outcome ({@code InvocationOutcome} name)
 * @param receipt the receipt as the agent returned it, null when there was none
 * @param at      when the gateway recorded the call
 */
public record RecordedCall(UUID id, UUID leaseId, String provider, Address owner, String status, int exitCode,
        ReceiptStatus receiptStatus, String receiptProblem, UsageReceipt receipt, Instant at) {
}
