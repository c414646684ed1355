package cloud.agora.agent.gateway;

import cloud.agora.agent.problem.RejectedException;
import cloud.agora.protocol.invocation.GrantVerifier.Rejection;
import java.util.UUID;

/**
 * A call or storage request refused for its grant: missing (401), forged, expired, not yet valid, for another
 * provider or not matching the request (403), or already used (409). Nothing ran, was journaled or stored.
 */
public class GrantRejectedException extends RejectedException {

    public GrantRejectedException(Rejection rejection, UUID id) {
        super(status(rejection.reason()), rejection.reason(), title(rejection.reason()), rejection.detail(), id);
    }

    /** The HTTP status of a rejection reason. */
    public static int status(String reason) {
        return switch (reason) {
            case Rejection.MISSING -> 401;
            case Rejection.REPLAYED -> 409;
            default -> 403;
        };
    }

    /** The problem title of a rejection reason. */
    public static String title(String reason) {
        return switch (reason) {
            case Rejection.MISSING -> "Grant missing";
            case Rejection.FORGED -> "Grant not signed by a trusted gateway";
            case Rejection.EXPIRED -> "Grant expired";
            case Rejection.NOT_YET_VALID -> "Grant not yet valid";
            case Rejection.OTHER_PROVIDER -> "Grant for another provider";
            case Rejection.MISMATCH -> "Grant does not match the request";
            case Rejection.REPLAYED -> "Grant already used";
            default -> "Grant refused";
        };
    }
}
