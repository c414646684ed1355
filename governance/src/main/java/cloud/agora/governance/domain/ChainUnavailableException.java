package cloud.agora.governance.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The Ethereum node could not be read; nothing was stored, retry later. */
public class ChainUnavailableException extends ProblemException {

    public ChainUnavailableException(String detail, Map<String, ?> ids) {
        super(503, "chain-unavailable", "The chain is unavailable", detail, ids);
    }

    public ChainUnavailableException(String detail) {
        this(detail, Map.of());
    }
}
