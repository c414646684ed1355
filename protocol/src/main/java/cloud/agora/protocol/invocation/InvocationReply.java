package cloud.agora.protocol.invocation;

import cloud.agora.protocol.usage.UsageReceipt;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The agent's answer to an {@link InvocationCall}: how the call ended, the function's exit code and output, the tail
 * of its standard error (the last 64 KiB, UTF-8) and the provider-signed, journaled receipt naming the call's grant.
 *
 * @param invocationId    the call
 * @param status          how it ended
 * @param exitCode        the function's exit status (137 when killed), or -1 if unknown
 * @param body            its standard output (base64 in JSON)
 * @param stderr          the last 64 KiB of its standard error
 * @param stderrTruncated whether it wrote more than that
 * @param warm            whether it ran in a container kept from an earlier call
 * @param receipt         what it used, signed by the provider
 * @param httpStatus      an HTTP-mode function's response status (null for an exec-mode call)
 * @param headers         an HTTP-mode function's response headers, lower-case name → values (hop-by-hop headers left
 *                        out; empty for an exec-mode call)
 */
public record InvocationReply(UUID invocationId, InvocationOutcome status, int exitCode, byte[] body, String stderr,
        boolean stderrTruncated, boolean warm, UsageReceipt receipt, Integer httpStatus, Map<String, List<String>> headers) {

    public InvocationReply {
        headers = headers == null ? Map.of() : headers;
    }

    /** An exec-mode reply. */
    public InvocationReply(UUID invocationId, InvocationOutcome status, int exitCode, byte[] body, String stderr,
            boolean stderrTruncated, boolean warm, UsageReceipt receipt) {
        this(invocationId, status, exitCode, body, stderr, stderrTruncated, warm, receipt, null, Map.of());
    }
}
