package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** An audit report that cannot be counted: nothing of it was. */
public class InvalidAuditReportException extends ProblemException {

    public InvalidAuditReportException(String detail) {
        super(422, "invalid-audit-report", "The audit report cannot be counted", detail + "; nothing was counted",
                Map.of());
    }
}
