package cloud.agora.functions.domain.deployment;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;
import java.util.UUID;

/** The function has no such deployment (404 {@code deployment-not-found}). */
public class DeploymentNotFoundException extends ProblemException {

    public DeploymentNotFoundException(String name, UUID id) {
        super(404, "deployment-not-found", "No such deployment", "function '" + name + "' has no deployment " + id,
                Map.of("function", name, "deployment", id));
    }
}
