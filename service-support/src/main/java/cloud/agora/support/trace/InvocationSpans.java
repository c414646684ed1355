package cloud.agora.support.trace;

import cloud.agora.protocol.invocation.InvocationTrace;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import java.util.UUID;

/**
 * The parent of a call's spans in any service: the invocation itself ({@link InvocationTrace}), a remote span nobody
 * exports, so the gateway's span of sending the call and billing's span of rating its receipt land in one trace without
 * either telling the other.
 */
public final class InvocationSpans {

    private InvocationSpans() {
    }

    /** A context whose current span is invocation {@code invocationId}, for {@code SpanBuilder.setParent}. */
    public static Context parent(UUID invocationId) {
        return Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(InvocationTrace.traceId(invocationId),
                InvocationTrace.invocationSpanId(invocationId), TraceFlags.getSampled(), TraceState.getDefault())));
    }
}
