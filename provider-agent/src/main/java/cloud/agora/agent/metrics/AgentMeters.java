package cloud.agora.agent.metrics;

import cloud.agora.agent.journal.ReceiptJournal;
import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.agent.runtime.InvocationResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * What a provider operator watches on {@code /q/metrics} (Prometheus): per lease, the calls it ran by outcome, their
 * duration and its cold starts; the calls refused by problem type; the leases held; the receipts journaled and those
 * not yet shipped to billing. Names and tags are listed in the module README.
 */
@ApplicationScoped
public class AgentMeters {

    /** Calls run, tagged {@code lease} and {@code outcome} ({@code ok}, {@code function_error}, {@code timeout}, ...). */
    public static final String CALLS = "agora.agent.calls";
    /** Time from a granted call's arrival to its journaled receipt, tagged {@code lease}. */
    public static final String CALL_DURATION = "agora.agent.call.duration";
    /** Calls that started a container, tagged {@code lease}. */
    public static final String COLD_STARTS = "agora.agent.cold.starts";
    /** Duration of the calls that started a container, tagged {@code lease}. */
    public static final String COLD_START_DURATION = "agora.agent.cold.start.duration";
    /** Calls refused before anything ran, tagged {@code problem} (the problem type's name). */
    public static final String REFUSED = "agora.agent.calls.refused";
    /** Leases this agent holds. */
    public static final String LEASES = "agora.agent.leases";
    /** Receipts in the journal. */
    public static final String RECEIPTS = "agora.agent.receipts";
    /** Journaled receipts not yet shipped to billing. */
    public static final String RECEIPTS_PENDING = "agora.agent.receipts.pending";

    private final MeterRegistry registry;

    public AgentMeters(MeterRegistry registry, LeaseBook leases, ReceiptJournal journal) {
        this.registry = registry;
        Gauge.builder(LEASES, leases, book -> book.all().size()).description("leases this agent holds").register(registry);
        Gauge.builder(RECEIPTS, journal, j -> j.counts().receipts()).description("receipts in the journal")
                .register(registry);
        Gauge.builder(RECEIPTS_PENDING, journal, j -> j.counts().unshipped())
                .description("journaled receipts not yet shipped to billing").register(registry);
    }

    /** A call that ran and was journaled. */
    public void ran(UUID lease, InvocationResult result, Duration took) {
        String tag = lease.toString();
        Counter.builder(CALLS).description("calls run").tag("lease", tag)
                .tag("outcome", result.outcome().name().toLowerCase(Locale.ROOT)).register(registry).increment();
        Timer.builder(CALL_DURATION).description("from a granted call's arrival to its journaled receipt")
                .tag("lease", tag).publishPercentileHistogram().register(registry).record(took);
        if (!result.warm()) {
            Counter.builder(COLD_STARTS).description("calls that started a container").tag("lease", tag)
                    .register(registry).increment();
            Timer.builder(COLD_START_DURATION).description("duration of the calls that started a container")
                    .tag("lease", tag).publishPercentileHistogram().register(registry).record(took);
        }
    }

    /** A call refused before anything ran. */
    public void refused(String problem) {
        Counter.builder(REFUSED).description("calls refused before anything ran").tag("problem", problem)
                .register(registry).increment();
    }
}
