package cloud.agora.storage.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A Range header that no byte of the file satisfies. */
public class InvalidRangeException extends ProblemException {

    private final long size;

    public InvalidRangeException(String range, long size) {
        super(416, "range-not-satisfiable", "The range is not satisfiable",
                "'" + range + "' selects no byte of a " + size + "-byte file", Map.of("size", size));
        this.size = size;
    }

    /** The file's size, for the {@code Content-Range: bytes * /size} header. */
    public long size() {
        return size;
    }
}
