package cloud.agora.functions.domain.catalog;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The function has no such version (404 {@code version-not-found}). */
public class VersionNotFoundException extends ProblemException {

    public VersionNotFoundException(String name, int version) {
        super(404, "version-not-found", "No such version", "function '" + name + "' has no version " + version,
                Map.of("function", name, "version", version));
    }
}
