package cloud.agora.functions.domain.catalog;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The function name belongs to someone else (409 {@code function-name-taken}). */
public class FunctionNameTakenException extends ProblemException {

    public FunctionNameTakenException(String detail, Map<String, ?> ids) {
        super(409, "function-name-taken", "The function name belongs to someone else", detail, ids);
    }

    public FunctionNameTakenException(String detail) {
        this(detail, Map.of());
    }
}
