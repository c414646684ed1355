package cloud.agora.functions.domain.deployment;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The marketplace refused the deployment's bid (400 {@code bid-refused}); its reason is the detail. */
public class BidRefusedException extends ProblemException {

    public BidRefusedException(String detail) {
        super(400, "bid-refused", "The marketplace refused the bid", detail, Map.of());
    }
}
