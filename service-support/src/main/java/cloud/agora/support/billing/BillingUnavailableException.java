package cloud.agora.support.billing;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** Billing could not be reached or failed, so a developer's credit is unknown (503 {@code billing-unavailable}). */
public class BillingUnavailableException extends ProblemException {

    public BillingUnavailableException(String detail) {
        super(503, "billing-unavailable", "Billing did not answer", detail, Map.of());
    }
}
