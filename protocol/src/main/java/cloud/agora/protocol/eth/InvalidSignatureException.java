package cloud.agora.protocol.eth;

/** A signature that is malformed, not canonical, or does not recover the expected signer. */
public class InvalidSignatureException extends IllegalArgumentException {

    public InvalidSignatureException(String message) {
        super(message);
    }
}
