package cloud.agora.contracts.chain;

/**
 * A sent transaction was not mined (or not confirmed deep enough) within the bounded number of polls. It may
 * still be mined later: callers look it up by {@link #transactionHash()} before sending it again.
 */
public class ChainTimeoutException extends ChainException {

    private final String transactionHash;

    public ChainTimeoutException(String transactionHash, String message) {
        super(message);
        this.transactionHash = transactionHash;
    }

    public String transactionHash() {
        return transactionHash;
    }
}
