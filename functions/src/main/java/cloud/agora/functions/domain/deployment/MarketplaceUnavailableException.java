package cloud.agora.functions.domain.deployment;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The marketplace could not be reached or failed (502 {@code marketplace-unavailable}). */
public class MarketplaceUnavailableException extends ProblemException {

    public MarketplaceUnavailableException(String detail) {
        super(502, "marketplace-unavailable", "The marketplace did not answer", detail, Map.of());
    }
}
