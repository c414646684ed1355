package cloud.agora.billing.domain;

import cloud.agora.protocol.invocation.InvocationTrace;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.support.trace.InvocationSpans;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Billing's span of rating a call's receipt, in the call's own trace ({@link InvocationTrace}: the trace id is the
 * invocation id), next to the gateway's span of sending the call and the agent's of running it. One span per receipt
 * rated, from the start of the transaction that rated it to its commit. None, and no work per receipt, with the
 * OpenTelemetry SDK off ({@code quarkus.otel.sdk.disabled}, the default).
 */
@ApplicationScoped
public class RatingTraces {

    private final Tracer tracer;
    private final boolean off;

    public RatingTraces(Tracer tracer,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled) {
        this.tracer = tracer;
        this.off = sdkDisabled;
    }

    /** Records the rating of {@code rated}, committed now, by a transaction that began at {@code began}. */
    public void rated(List<RatedReceipt> rated, Instant began) {
        if (off) {
            return; // no span would be recorded: spare the rating its ids and attributes
        }
        for (RatedReceipt r : rated) {
            UsageReceipt receipt = r.receipt();
            tracer.spanBuilder("rate receipt").setSpanKind(SpanKind.CONSUMER)
                    .setParent(InvocationSpans.parent(receipt.invocationId()))
                    .setStartTimestamp(began.toEpochMilli(), TimeUnit.MILLISECONDS)
                    .setAttribute("agora.invocation.id", receipt.invocationId().toString())
                    .setAttribute("agora.lease", receipt.leaseId().toString())
                    .setAttribute("agora.provider", receipt.provider().value())
                    .setAttribute("agora.charge.wei", r.charge().toString()).startSpan().end();
        }
    }
}
