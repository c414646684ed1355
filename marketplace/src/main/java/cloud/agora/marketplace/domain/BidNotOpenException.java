package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A change to a bid that no longer rests in the book. */
public class BidNotOpenException extends ProblemException {

    public BidNotOpenException(java.util.UUID id, cloud.agora.protocol.market.BidStatus status) {
        super(409, "bid-not-open", "The bid is no longer open", "bid " + id + " is " + status, Map.of("bidId", id, "status", status));
    }
}
