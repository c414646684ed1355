package cloud.agora.functions.domain.catalog;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/**
 * No such function for this caller (404 {@code function-not-found}). Another developer's
 * function is reported the same way, so its existence is not disclosed.
 */
public class FunctionNotFoundException extends ProblemException {

    public FunctionNotFoundException(String name) {
        super(404, "function-not-found", "No such function", "you have no function named '" + name + "'",
                Map.of("function", name));
    }
}
