package cloud.agora.functions.domain.catalog;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The function spec is invalid (400 {@code invalid-function-spec}). */
public class InvalidFunctionSpecException extends ProblemException {

    public InvalidFunctionSpecException(String detail, Map<String, ?> ids) {
        super(400, "invalid-function-spec", "The function spec is invalid", detail, ids);
    }

    public InvalidFunctionSpecException(String detail) {
        this(detail, Map.of());
    }
}
