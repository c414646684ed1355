package cloud.agora.contracts.chain;

/** The chain could not do what was asked: unreachable, rejected the transaction, or did not answer in time. */
public class ChainException extends RuntimeException {

    public ChainException(String message) {
        super(message);
    }

    public ChainException(String message, Throwable cause) {
        super(message, cause);
    }
}
