package cloud.agora.agent.runtime;

import cloud.agora.protocol.invocation.InvocationOutcome;
import java.util.List;
import java.util.Map;

/**
 * The end of one call.
 *
 * @param outcome  how it ended
 * @param exitCode the function's exit status (137 when killed), or -1 if unknown
 * @param stdout   the response (truncated at the configured maximum)
 * @param stderr   the last {@value #STDERR_TAIL_BYTES} bytes of its standard error (UTF-8, cut at a character boundary), for logs
 * @param stderrTruncated whether it wrote more standard error than that
 * @param usage    what it used
 * @param warm     whether it ran in a container kept from an earlier call
 * @param httpStatus an HTTP-mode function's response status, null for an exec-mode call
 * @param headers  an HTTP-mode function's response headers (name → values), empty for an exec-mode call
 */
public record InvocationResult(InvocationOutcome outcome, int exitCode, byte[] stdout, String stderr, boolean stderrTruncated,
        Usage usage, boolean warm, Integer httpStatus, Map<String, List<String>> headers) {

    public InvocationResult {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** An exec-mode result. */
    public InvocationResult(InvocationOutcome outcome, int exitCode, byte[] stdout, String stderr, boolean stderrTruncated,
            Usage usage, boolean warm) {
        this(outcome, exitCode, stdout, stderr, stderrTruncated, usage, warm, null, Map.of());
    }

    /** How much standard error a result keeps: the last 64 KiB. */
    public static final int STDERR_TAIL_BYTES = 64 * 1024;

    /**
     * The text of the last {@link #STDERR_TAIL_BYTES} of {@code bytes}; a UTF-8 sequence cut by
     * the window is dropped rather than shown as a replacement character.
     */
    public static String stderrTail(byte[] bytes, int length) {
        int from = Math.max(0, length - STDERR_TAIL_BYTES);
        if (from > 0) {
            int limit = Math.min(length, from + 3);
            while (from < limit && (bytes[from] & 0xC0) == 0x80) {
                from++;
            }
        }
        return new String(bytes, from, length - from, java.nio.charset.StandardCharsets.UTF_8);
    }
}
