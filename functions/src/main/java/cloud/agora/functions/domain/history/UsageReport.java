package cloud.agora.functions.domain.history;

import java.math.BigInteger;
import java.time.Instant;

/**
 * A function's usage so far, summed over the calls this platform's gateways recorded.
 * {@code estimatedCostWei} rates each receipt at its lease's prices; billing's statement is the
 * authority (it rates the same receipts, and may refuse some).
 */
public record UsageReport(String function, long invocations, long errors, long suspectReceipts, double cpuSeconds,
        double memoryGiBSeconds, double wallSeconds, long bytesIn, long bytesOut, BigInteger estimatedCostWei,
        Instant firstAt, Instant lastAt) {
}
