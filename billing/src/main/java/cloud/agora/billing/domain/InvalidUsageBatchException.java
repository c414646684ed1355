package cloud.agora.billing.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A usage batch or query that billing refuses as a whole (nothing of it is recorded). */
public class InvalidUsageBatchException extends ProblemException {

    public InvalidUsageBatchException(String detail) {
        super(400, "invalid-usage-batch", "The usage batch is refused", detail, Map.of());
    }
}
