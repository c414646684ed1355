package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** An offer that breaks the market's rules; nothing was stored. */
public class InvalidOfferException extends ProblemException {

    public InvalidOfferException(String detail) {
        super(400, "invalid-offer", "The offer is invalid", detail, Map.of());
    }
}
