package cloud.agora.storage.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The upload ended before its declared length, or the connection broke; nothing of it is kept. */
public class TruncatedUploadException extends ProblemException {

    public TruncatedUploadException(long received, long declared) {
        super(400, "truncated-upload", "The upload is incomplete",
                "received " + received + " of " + declared + " declared bytes; nothing was stored",
                Map.of("received", received, "declared", declared));
    }

    public TruncatedUploadException(long received, String why) {
        super(400, "truncated-upload", "The upload is incomplete",
                "the body broke off after " + received + " bytes (" + why + "); nothing was stored",
                Map.of("received", received));
    }
}
