package cloud.agora.billing.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;
import java.util.UUID;

/** No rated receipt has this invocation id. */
public class ReceiptNotFoundException extends ProblemException {

    public ReceiptNotFoundException(UUID invocationId) {
        super(404, "receipt-not-found", "No such rated receipt", "no receipt of invocation " + invocationId + " was rated",
                Map.of("invocationId", invocationId.toString()));
    }
}
