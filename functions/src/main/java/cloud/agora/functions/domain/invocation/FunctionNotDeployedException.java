package cloud.agora.functions.domain.invocation;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The function exists but has no active deployment to run on (409 {@code function-not-deployed}). */
public class FunctionNotDeployedException extends ProblemException {

    public FunctionNotDeployedException(String name) {
        super(409, "function-not-deployed", "The function is not deployed",
                "function '" + name + "' has no active deployment", Map.of("function", name));
    }
}
