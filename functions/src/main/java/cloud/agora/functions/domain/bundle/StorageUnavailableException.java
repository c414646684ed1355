package cloud.agora.functions.domain.bundle;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The storage gateway did not store the bundle (502 {@code storage-unavailable}). */
public class StorageUnavailableException extends ProblemException {

    public StorageUnavailableException(String detail, Map<String, ?> ids) {
        super(502, "storage-unavailable", "The storage gateway did not store the bundle", detail, ids);
    }

    public StorageUnavailableException(String detail) {
        this(detail, Map.of());
    }
}
