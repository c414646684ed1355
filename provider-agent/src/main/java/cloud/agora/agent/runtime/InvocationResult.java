package cloud.agora.agent.runtime;

/**
 * The end of one call.
 *
 * @param outcome  how it ended
 * @param exitCode the function's exit status (137 when killed), or -1 if unknown
 * @param stdout   the response (truncated at the configured maximum)
 * @param stderr   the tail of its standard error, for logs
 * @param usage    what it used
 * @param warm     whether it ran in a container kept from an earlier call
 */
public record InvocationResult(InvocationOutcome outcome, int exitCode, byte[] stdout, String stderr, Usage usage, boolean warm) {
}
