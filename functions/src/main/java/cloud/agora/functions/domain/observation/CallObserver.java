package cloud.agora.functions.domain.observation;

import cloud.agora.functions.domain.invocation.GatewayKey;
import cloud.agora.functions.persistence.ObservationStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.protocol.reputation.CallObservations;
import cloud.agora.protocol.reputation.LatencyHistogram;
import cloud.agora.support.outbox.OutboxRelay;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * What this gateway sees of the calls it sends to each provider — answered, failed by the function, failed on the
 * provider's side (agent error, no answer in time, unreachable), latency, overhead, cold starts — counted in memory and
 * published every {@code agora.functions.observation-interval} as one {@link CallObservations} per provider on
 * {@code functions.observations.v1} (outbox: signed with the service's event key), the evidence of the providers'
 * reputation at the marketplace. A gateway that dies loses at most the counts of one interval (evidence, not charges).
 */
@ApplicationScoped
public class CallObserver {

    private static final Logger LOG = Logger.getLogger(CallObserver.class);
    static final String SOURCE = "functions";

    private final Address gateway;
    private final ObservationStore store;
    private final OutboxRelay relay;
    private final Clock clock;
    private final Map<String, Tally> tallies = new HashMap<>();
    private Instant since;

    public CallObserver(GatewayKey key, ObservationStore store, OutboxRelay relay, Clock clock) {
        this.gateway = key.address();
        this.store = store;
        this.relay = relay;
        this.clock = clock;
        this.since = clock.instant();
    }

    /**
     * A call the agent answered.
     *
     * @param witnessedWallMillis the wall time of its receipt when the gateway witnessed it, else null
     */
    public void answered(String provider, InvocationOutcome outcome, boolean warm, long latencyMillis,
            Long witnessedWallMillis) {
        synchronized (this) {
            Tally tally = tally(provider);
            tally.calls++;
            if (outcome == InvocationOutcome.OK) {
                tally.answered++;
            } else {
                tally.functionFailures++;
            }
            tally.latency.add(latencyMillis);
            if (warm && witnessedWallMillis != null) {
                // a cold call's start is its own figure (coldStart), not the provider's overhead on every call
                tally.overhead.add(Math.max(0, latencyMillis - witnessedWallMillis));
            }
            if (!warm) {
                tally.coldStarts++;
                tally.coldStart.add(latencyMillis);
            }
        }
    }

    /** How a call failed on the provider's side. */
    public enum Failure {
        /** The agent answered with an error, or an answer the gateway could not use. */
        AGENT_ERROR,
        /** No answer by the gateway's deadline. */
        TIMEOUT,
        /** No connection to the agent. */
        UNREACHABLE
    }

    /** A call sent to the provider that failed on its side. */
    public void failed(String provider, Failure failure) {
        synchronized (this) {
            Tally tally = tally(provider);
            tally.calls++;
            switch (failure) {
                case AGENT_ERROR -> tally.agentErrors++;
                case TIMEOUT -> tally.timeouts++;
                case UNREACHABLE -> tally.unreachable++;
            }
        }
    }

    @Scheduled(every = "${agora.functions.observation-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledPublish() {
        publish();
    }

    @PreDestroy
    void last() {
        publish();
    }

    /** Publishes what was counted since the last time (nothing when no call was sent). */
    public void publish() {
        List<EventEnvelope<CallObservations>> events = new ArrayList<>();
        synchronized (this) {
            Instant now = clock.instant();
            tallies.forEach((provider, t) -> events.add(EventEnvelope.of(CallObservations.TYPE, SOURCE, now, provider,
                    new CallObservations(gateway, new Address(provider), since, now, t.calls, t.answered,
                            t.functionFailures, t.agentErrors, t.timeouts, t.unreachable, t.latency.snapshot(),
                            t.overhead.snapshot(), t.coldStarts, t.coldStart.snapshot()))));
            tallies.clear();
            since = now;
        }
        if (events.isEmpty()) {
            return;
        }
        try {
            store.append(events);
            relay.nudge();
        } catch (RuntimeException e) {
            LOG.warnf("observations of %d providers not published (the database refused them): %s", events.size(),
                    e.getMessage());
        }
    }

    private Tally tally(String provider) {
        return tallies.computeIfAbsent(provider, p -> new Tally());
    }

    /** Counts for one provider since the last publication; guarded by the observer's lock. */
    private static final class Tally {
        long calls;
        long answered;
        long functionFailures;
        long agentErrors;
        long timeouts;
        long unreachable;
        long coldStarts;
        final LatencyHistogram.Counter latency = new LatencyHistogram.Counter();
        final LatencyHistogram.Counter overhead = new LatencyHistogram.Counter();
        final LatencyHistogram.Counter coldStart = new LatencyHistogram.Counter();
    }
}
