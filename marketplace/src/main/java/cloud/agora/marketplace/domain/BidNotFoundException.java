package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** No bid with this id. */
public class BidNotFoundException extends ProblemException {

    public BidNotFoundException(java.util.UUID id) {
        super(404, "bid-not-found", "Bid not found", "no bid " + id, Map.of("bidId", id));
    }
}
