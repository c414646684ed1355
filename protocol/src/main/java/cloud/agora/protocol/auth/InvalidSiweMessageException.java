package cloud.agora.protocol.auth;

/** A sign-in message that does not follow EIP-4361. */
public class InvalidSiweMessageException extends IllegalArgumentException {

    public InvalidSiweMessageException(String message) {
        super(message);
    }
}
