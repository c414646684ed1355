package cloud.agora.protocol.auth;

/**
 * A sign-in attempt the service refuses: a message it did not issue, for another domain or
 * chain, expired, or signed by someone else than the address it names.
 */
public class SignInRejectedException extends RuntimeException {

    public SignInRejectedException(String message) {
        super(message);
    }
}
