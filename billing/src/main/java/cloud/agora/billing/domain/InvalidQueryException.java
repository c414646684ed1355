package cloud.agora.billing.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A query parameter billing cannot use. */
public class InvalidQueryException extends ProblemException {

    public InvalidQueryException(String parameter, String detail) {
        super(400, "invalid-query", "A query parameter is invalid", detail, Map.of("parameter", parameter));
    }
}
