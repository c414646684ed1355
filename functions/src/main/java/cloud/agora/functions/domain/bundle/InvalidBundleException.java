package cloud.agora.functions.domain.bundle;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The bundle is not acceptable (400 {@code invalid-bundle}). */
public class InvalidBundleException extends ProblemException {

    public InvalidBundleException(String detail, Map<String, ?> ids) {
        super(400, "invalid-bundle", "The bundle is not acceptable", detail, ids);
    }

    public InvalidBundleException(String detail) {
        this(detail, Map.of());
    }
}
