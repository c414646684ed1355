package cloud.agora.storage.integration.kubo;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** Kubo refused or failed a command the gateway needed. */
public class KuboException extends ProblemException {

    public KuboException(String command, String message) {
        super(502, "ipfs-backend-failed", "The IPFS node failed", "Kubo " + command + ": " + message, Map.of());
    }
}
