package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.UsageReceipt;
import java.util.UUID;

/** Signed receipts with their grants, for tests of other packages. */
public final class TestReceipts {

    private TestReceipts() {
    }

    /** A provider-signed receipt of one call on {@code leaseId}, carrying its gateway grant. */
    public static UsageReceipt receipt(UUID leaseId) {
        return Receipts.receipt(leaseId, 0);
    }
}
