package cloud.agora.functions.domain.observation;

import cloud.agora.functions.domain.deployment.Deployment;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.protocol.invocation.InvocationTrace;
import cloud.agora.support.trace.InvocationSpans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Locale;
import java.util.UUID;

/**
 * The gateway's span of each call it sends to a provider, in the call's own trace ({@link InvocationTrace}: the trace
 * id is the invocation id), so the agent's span of running it and billing's span of rating its receipt join it. While
 * the span is current, the agents client sends its W3C {@code traceparent}. With the OpenTelemetry SDK off (the
 * default: {@code quarkus.otel.sdk.disabled}) the spans record nothing and the header still names the call's trace.
 */
@ApplicationScoped
public class CallTraces {

    private final Tracer tracer;

    public CallTraces(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Starts the span of sending call {@code invocationId} of {@code function} to {@code replica}. */
    public Span start(UUID invocationId, String function, Deployment.Replica replica) {
        return tracer.spanBuilder("call " + function).setSpanKind(SpanKind.CLIENT).setParent(InvocationSpans.parent(invocationId))
                .setAttribute("agora.invocation.id", invocationId.toString()).setAttribute("agora.function", function)
                .setAttribute("agora.provider", replica.provider())
                .setAttribute("agora.lease", replica.leaseId().toString()).startSpan();
    }

    /** Ends {@code span} of a call the provider answered. */
    public static void answered(Span span, InvocationOutcome outcome, boolean warm) {
        span.setAttribute("agora.outcome", outcome.name().toLowerCase(Locale.ROOT)).setAttribute("agora.warm", warm);
        span.end();
    }

    /** Ends {@code span} of a call that failed on the provider's side. */
    public static void failed(Span span, CallObserver.Failure failure) {
        span.setStatus(StatusCode.ERROR, failure.name().toLowerCase(Locale.ROOT));
        span.end();
    }

}
