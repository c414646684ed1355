package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A bid that breaks the market's rules; nothing was stored. */
public class InvalidBidException extends ProblemException {

    public InvalidBidException(String detail) {
        super(400, "invalid-bid", "The bid is invalid", detail, Map.of());
    }
}
