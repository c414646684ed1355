package cloud.agora.protocol.invocation;

import java.util.HexFormat;
import java.util.UUID;

/**
 * The W3C trace of one call: its trace id is the invocation id's 128 bits (what {@code Agora-Invocation-Id} shows, without
 * dashes), so that the gateway's span of the call, the agent's span of running it and billing's span of rating its
 * receipt share one trace id without any of them telling another. Their common parent is the invocation itself, a span
 * nobody exports, whose id is the invocation id's low 64 bits.
 */
public final class InvocationTrace {

    private InvocationTrace() {
    }

    /** The trace id of call {@code invocationId}: 32 lowercase hex digits. */
    public static String traceId(UUID invocationId) {
        return hex(invocationId.getMostSignificantBits()) + hex(invocationId.getLeastSignificantBits());
    }

    /** The span id of the invocation itself, the parent of every span of the call: 16 lowercase hex digits, never zero. */
    public static String invocationSpanId(UUID invocationId) {
        long low = invocationId.getLeastSignificantBits();
        return hex(low == 0 ? 1 : low);
    }

    private static String hex(long bits) {
        return HexFormat.of().toHexDigits(bits);
    }
}
