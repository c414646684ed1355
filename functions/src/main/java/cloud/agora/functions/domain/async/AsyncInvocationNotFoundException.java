package cloud.agora.functions.domain.async;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;
import java.util.UUID;

/** No async invocation has this id. */
public class AsyncInvocationNotFoundException extends ProblemException {

    public AsyncInvocationNotFoundException(UUID id) {
        super(404, "invocation-not-found", "No such invocation", "no async invocation " + id, Map.of("invocationId", id));
    }
}
