package cloud.agora.protocol.reputation;

import cloud.agora.protocol.eth.Address;
import java.time.Instant;

/**
 * What one functions gateway saw of the calls it sent to one provider over a stretch of time: the evidence of a
 * provider's reliability and speed. Published by the gateway on {@code functions.observations.v1} (key: the provider's
 * address, envelope type {@value #TYPE}), signed like every event of the functions service, and summed by the
 * marketplace into the provider's reputation.
 *
 * <p>Every call the gateway sent (an attempt on one replica) counts once in {@code calls}, in exactly one of:
 * {@code answered} (the agent answered and the function succeeded), {@code functionFailures} (the agent answered and
 * the function itself failed: a non-zero exit, its own timeout, out of memory — the developer's code, not the
 * provider), {@code agentErrors} (the agent answered with a platform error, or a reply the gateway could not use),
 * {@code timeouts} (no answer by the gateway's deadline, the function's timeout plus a margin) or {@code unreachable}
 * (no connection to the agent). The last three fail on the provider's side.
 *
 * @param gateway    the observing gateway's address (its grant-signing key)
 * @param from       start of the stretch (inclusive)
 * @param to         end of the stretch (exclusive)
 * @param latency    the time from sending the call to the agent's answer, for calls the agent answered
 * @param overhead   that time minus the receipt's own wall time (what the provider added around the function), for
 *                   warm calls answered with a receipt the gateway witnessed
 * @param coldStarts calls the agent answered from a container it started for them
 * @param coldStart  the latency of those cold calls
 */
public record CallObservations(Address gateway, Address provider, Instant from, Instant to, long calls, long answered,
        long functionFailures, long agentErrors, long timeouts, long unreachable, LatencyHistogram latency,
        LatencyHistogram overhead, long coldStarts, LatencyHistogram coldStart) {

    public static final String TYPE = "CallsObserved";

    public CallObservations {
        latency = latency == null ? LatencyHistogram.empty() : latency;
        overhead = overhead == null ? LatencyHistogram.empty() : overhead;
        coldStart = coldStart == null ? LatencyHistogram.empty() : coldStart;
    }

    /** Calls that failed on the provider's side. */
    public long providerFailures() {
        return agentErrors + timeouts + unreachable;
    }
}
