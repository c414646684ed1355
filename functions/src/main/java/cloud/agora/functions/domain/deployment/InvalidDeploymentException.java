package cloud.agora.functions.domain.deployment;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The deployment request breaks a rule (400 {@code invalid-deployment}). */
public class InvalidDeploymentException extends ProblemException {

    public InvalidDeploymentException(String detail) {
        super(400, "invalid-deployment", "The deployment request is invalid", detail, Map.of());
    }
}
