package cloud.agora.functions.domain.invocation;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** An invocation did not produce a result (5xx {@code invocation-failed} and kin); the ids travel with it. */
public class InvocationFailedException extends ProblemException {

    public InvocationFailedException(int status, String slug, String title, String detail, Map<String, ?> ids) {
        super(status, slug, title, detail, ids);
    }
}
