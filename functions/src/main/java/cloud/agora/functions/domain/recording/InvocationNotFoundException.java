package cloud.agora.functions.domain.recording;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;
import java.util.UUID;

/**
 * No recorded call with this id for this caller (404 {@code invocation-not-found}). A call of another developer's
 * function is reported the same way, so its existence is not disclosed.
 */
public class InvocationNotFoundException extends ProblemException {

    public InvocationNotFoundException(UUID id) {
        super(404, "invocation-not-found", "No such invocation", "you have no recorded call " + id,
                Map.of("invocationId", id));
    }
}
