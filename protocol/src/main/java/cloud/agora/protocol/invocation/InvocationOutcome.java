package cloud.agora.protocol.invocation;

/** How a call ended, as the caller and billing see it. Every outcome is metered and billed. */
public enum InvocationOutcome {
    /** Exit status 0: stdout is the response. */
    OK,
    /** Non-zero exit: a function error, not a platform error. */
    FUNCTION_ERROR,
    /** The wall-clock limit passed; the container was killed. */
    TIMEOUT,
    /** The kernel's OOM killer stopped it at the memory limit. */
    OUT_OF_MEMORY
}
