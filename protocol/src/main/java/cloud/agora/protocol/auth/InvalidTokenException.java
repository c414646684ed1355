package cloud.agora.protocol.auth;

/** An access token that is missing, malformed, forged, expired or issued for someone else. */
public class InvalidTokenException extends RuntimeException {

    public InvalidTokenException(String message) {
        super(message);
    }
}
