package cloud.agora.protocol.dispute;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.time.Instant;
import java.util.UUID;

/**
 * One dispute as billing shows it to the developer and the provider, with every piece of evidence its decision read.
 *
 * @param charge     the disputed charge (the credit when upheld)
 * @param answerBy   when the provider's answer window ends; an open dispute is decided then at the latest
 * @param evidence   what the decision read
 * @param answer     the provider's answer, null when it gave none
 * @param rule       the {@link DisputeRules} rule that decided, null while open
 * @param reason     the decision in words, null while open
 * @param creditedIn the pair's voucher sequence that took the credit, null until one did
 */
public record DisputeView(UUID id, UUID invocationId, Address consumer, Address provider, UUID leaseId, Wei charge,
        DisputeState state, Instant openedAt, Instant answerBy, Evidence evidence, ProviderAnswer answer, String rule,
        String reason, Instant decidedAt, Long creditedIn) {

    /**
     * The facts: the gateway's witness, the charged receipt's hash and figures, its grant's hash and timeout, and the
     * lease's memory.
     */
    public record Evidence(CallWitness witness, String receiptHash, long wallMillis, long peakMemoryBytes, String grantHash,
            long timeoutMillis, long leaseMemoryMiB) {
    }
}
