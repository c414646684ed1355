package cloud.agora.functions.domain.bundle;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The bundle is too large (413 {@code bundle-too-large}). */
public class BundleTooLargeException extends ProblemException {

    public BundleTooLargeException(String detail, Map<String, ?> ids) {
        super(413, "bundle-too-large", "The bundle is too large", detail, ids);
    }

    public BundleTooLargeException(String detail) {
        this(detail, Map.of());
    }
}
