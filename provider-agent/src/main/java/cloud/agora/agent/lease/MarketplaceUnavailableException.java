package cloud.agora.agent.lease;

/** The marketplace could not be reached or answered with a server error. */
public class MarketplaceUnavailableException extends RuntimeException {

    public MarketplaceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
