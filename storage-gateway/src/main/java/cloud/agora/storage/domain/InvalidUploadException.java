package cloud.agora.storage.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** An upload request with invalid parameters (an unknown CID version). */
public class InvalidUploadException extends ProblemException {

    public InvalidUploadException(String detail) {
        super(400, "invalid-upload", "The upload request is invalid", detail, Map.of());
    }
}
