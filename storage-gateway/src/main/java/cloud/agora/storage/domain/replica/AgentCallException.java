package cloud.agora.storage.domain.replica;

import java.util.Locale;

/**
 * A call to a provider's agent failed, and how: what an audit that ends this way counts as its reason
 * ({@code agora.storage.audits.failed}).
 */
public class AgentCallException extends ReplicationException {

    /** How a call to an agent failed. */
    public enum Failure {
        /** The endpoint is not one the gateway may call: nothing was sent. */
        ENDPOINT_REFUSED,
        /** No connection, or it broke. */
        UNREACHABLE,
        /** No whole answer within the call's deadline. */
        LATE,
        /** The agent answered with a status other than the call's success. */
        REFUSED,
        /** The answer was larger than any the call allows, or not the answer the call expects. */
        INVALID_ANSWER;

        /** The metric tag. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Failure failure;

    public AgentCallException(Failure failure, String message) {
        super(message);
        this.failure = failure;
    }

    public AgentCallException(Failure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    /** How the call failed. */
    public Failure failure() {
        return failure;
    }
}
