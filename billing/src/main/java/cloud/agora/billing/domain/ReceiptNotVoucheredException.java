package cloud.agora.billing.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;
import java.util.UUID;

/** The receipt is rated but no voucher commits to it yet, so it has no Merkle proof yet. */
public class ReceiptNotVoucheredException extends ProblemException {

    public ReceiptNotVoucheredException(UUID invocationId) {
        super(409, "receipt-not-vouchered", "No voucher covers the receipt yet",
                "invocation " + invocationId + " is rated; its proof exists once a voucher covers it",
                Map.of("invocationId", invocationId.toString()));
    }
}
