package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A provider registration that breaks the market's rules; nothing was stored. */
public class InvalidProviderException extends ProblemException {

    public InvalidProviderException(String detail) {
        super(400, "invalid-provider", "The provider registration is invalid", detail, Map.of());
    }
}
