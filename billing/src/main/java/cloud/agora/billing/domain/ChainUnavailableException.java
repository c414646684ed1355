package cloud.agora.billing.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The chain could not be reached (or none is configured); on-chain figures are unknown for now. */
public class ChainUnavailableException extends ProblemException {

    public ChainUnavailableException(String detail) {
        super(503, "chain-unavailable", "The chain cannot be reached", detail, Map.of());
    }
}
