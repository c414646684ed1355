package cloud.agora.storage.domain.pin;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** No pin request with this id belongs to the caller (other callers' pins are not revealed). */
public class PinNotFoundException extends ProblemException {

    public PinNotFoundException(String requestId) {
        super(404, "pin-not-found", "No such pin request", "no pin request " + requestId + " of yours",
                Map.of("requestid", requestId));
    }
}
