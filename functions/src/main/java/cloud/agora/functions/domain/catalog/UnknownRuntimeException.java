package cloud.agora.functions.domain.catalog;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The runtime is not known (400 {@code unknown-runtime}). */
public class UnknownRuntimeException extends ProblemException {

    public UnknownRuntimeException(String detail, Map<String, ?> ids) {
        super(400, "unknown-runtime", "The runtime is not known", detail, ids);
    }

    public UnknownRuntimeException(String detail) {
        this(detail, Map.of());
    }
}
