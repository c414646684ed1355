package cloud.agora.billing.domain;

import cloud.agora.protocol.invocation.InvocationTrace;
import cloud.agora.protocol.usage.UsageReceipt;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Billing's span of rating a call's receipt, in the call's own trace ({@link InvocationTrace}: the trace id is the
 * invocation id), next to the gateway's span of sending the call and the agent's of running it. One span per receipt
 * rated, from the start of the transaction that rated it to its commit. Off with the OpenTelemetry SDK
 * ({@code quarkus.otel.sdk.disabled}, the default).
 */
@ApplicationScoped
public class RatingTraces {

    private final Tracer tracer;

    public RatingTraces(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Records the rating of {@code rated}, committed now, by a transaction that began at {@code began}. */
    public void rated(List<RatedReceipt> rated, Instant began) {
        for (RatedReceipt r : rated) {
            UsageReceipt receipt = r.receipt();
            Context invocation = Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(
                    InvocationTrace.traceId(receipt.invocationId()), InvocationTrace.invocationSpanId(receipt.invocationId()),
                    TraceFlags.getSampled(), TraceState.getDefault())));
            tracer.spanBuilder("rate receipt").setSpanKind(SpanKind.CONSUMER).setParent(invocation)
                    .setStartTimestamp(began.toEpochMilli(), TimeUnit.MILLISECONDS)
                    .setAttribute("agora.invocation.id", receipt.invocationId().toString())
                    .setAttribute("agora.lease", receipt.leaseId().toString())
                    .setAttribute("agora.provider", receipt.provider().value())
                    .setAttribute("agora.charge.wei", r.charge().toString()).startSpan().end();
        }
    }
}
