package cloud.agora.storage.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** An upload over the configured maximum object size; nothing of it is kept. */
public class ObjectTooLargeException extends ProblemException {

    public ObjectTooLargeException(long maxSize) {
        super(413, "object-too-large", "The object is too large",
                "objects may have at most " + maxSize + " bytes; nothing was stored", Map.of("maxSize", maxSize));
    }
}
