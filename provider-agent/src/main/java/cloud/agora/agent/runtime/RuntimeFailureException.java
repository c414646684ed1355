package cloud.agora.agent.runtime;

/** The platform could not run a call (the container runtime failed): a platform error, never billed. */
public class RuntimeFailureException extends RuntimeException {

    public RuntimeFailureException(String message) {
        super(message);
    }

    public RuntimeFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
