package cloud.agora.storage.domain;

import cloud.agora.storage.domain.pin.PinState;
import cloud.agora.storage.domain.replica.AgentCallException;
import cloud.agora.storage.domain.replica.Replica;
import cloud.agora.storage.persistence.StorageCensus;
import cloud.agora.support.jdbc.Transactions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What an operator of the storage gateway watches on {@code /q/metrics} (Prometheus): uploads stored and refused,
 * pin requests settled, replicas placed, failed and released, audits passed and failed by reason, repairs, storage
 * periods witnessed — counted by this instance as they happen — and what the gateway keeps (objects, their bytes, pin
 * requests and replicas by state), counted from the database every {@code agora.storage.metrics.refresh-interval}
 * so every instance shows the same figures. Tags take a few fixed values each (states, reasons, problem types),
 * never a CID, a lease or an account. Every meter is made once and kept. Names are listed in the module README.
 */
@ApplicationScoped
public class StorageMeters {

    private static final Logger LOG = Logger.getLogger(StorageMeters.class);

    /** Objects stored through uploads (an object uploaded again counts again). */
    public static final String UPLOADS = "agora.storage.uploads";
    /** Bytes of the objects stored through uploads. */
    public static final String UPLOADED_BYTES = "agora.storage.uploaded.bytes";
    /** Uploads refused, tagged {@code problem} (the problem type: {@code object-too-large}, ...); nothing stored. */
    public static final String UPLOADS_REFUSED = "agora.storage.uploads.refused";
    /** Pin requests the worker settled, tagged {@code state} ({@code pinned}, {@code failed}). */
    public static final String PINS_SETTLED = "agora.storage.pins.settled";
    /** Replicas that received every block of their DAG (placed by a pin or a repair). */
    public static final String REPLICAS_PLACED = "agora.storage.replicas.placed";
    /** Bytes of sealed blocks stored on agents (what filling replicas sent to providers). */
    public static final String TRANSFERRED_BYTES = "agora.storage.replicas.transferred.bytes";
    /** Replicas failed, their lease closed, tagged {@code cause} ({@code transfer}, {@code audit}). */
    public static final String REPLICAS_FAILED = "agora.storage.replicas.failed";
    /**
     * Replicas whose blocks were deleted and lease closed, tagged {@code reason} ({@code unpinned},
     * {@code replaced-by-paid-copy}, {@code replaced-by-sealed-copy}).
     */
    public static final String REPLICAS_RELEASED = "agora.storage.replicas.released";
    /** Audits a replica passed. */
    public static final String AUDITS_PASSED = "agora.storage.audits.passed";
    /**
     * Audits a replica failed, tagged {@code reason}: {@code wrong_proof}, or how the challenge went unanswered
     * ({@code late}, {@code refused}, {@code unreachable}, {@code invalid_answer}, {@code endpoint_refused},
     * {@code error}).
     */
    public static final String AUDITS_FAILED = "agora.storage.audits.failed";
    /** From sending a challenge to its answer (or to its failure), whatever the result. */
    public static final String CHALLENGE_DURATION = "agora.storage.challenge.duration";
    /** Repairs the audit rounds made (an account short of its replicas of a DAG), tagged {@code result}. */
    public static final String REPAIRS = "agora.storage.repairs";
    /** Storage periods of replicas handed to their agents, witnessed. */
    public static final String PERIODS_WITNESSED = "agora.storage.periods.witnessed";
    /** Distinct objects stored through uploads (gauge, from the database). */
    public static final String OBJECTS = "agora.storage.objects";
    /** Their bytes (gauge, from the database). */
    public static final String STORED_BYTES = "agora.storage.stored.bytes";
    /** Pin requests, tagged {@code state} ({@code queued}, {@code pinning}, {@code pinned}, {@code failed}) (gauge). */
    public static final String PINS = "agora.storage.pins";
    /**
     * Replicas, tagged {@code state} ({@code transferring}, {@code active}, {@code failed}, {@code closed}) (gauge).
     */
    public static final String REPLICAS = "agora.storage.replicas";

    /** The reason of an audit whose answer was not the expected proof. */
    public static final String WRONG_PROOF = "wrong_proof";

    private final MeterRegistry registry;
    private final Transactions tx;
    private final StorageCensus census;
    private volatile StorageCensus.Figures figures = StorageCensus.Figures.none();

    private final Counter uploads;
    private final Counter uploadedBytes;
    private final Map<String, Counter> uploadsRefused = new ConcurrentHashMap<>();
    private final Map<PinState, Counter> pinsSettled = new EnumMap<>(PinState.class);
    private final Counter replicasPlaced;
    private final Counter transferredBytes;
    private final Counter replicasFailedInTransfer;
    private final Counter replicasFailedAudit;
    private final Map<String, Counter> replicasReleased = new ConcurrentHashMap<>();
    private final Counter auditsPassed;
    private final Map<String, Counter> auditsFailed = new ConcurrentHashMap<>();
    private final Timer challengeDuration;
    private final Counter repairsSucceeded;
    private final Counter repairsFailed;
    private final Counter periodsWitnessed;

    public StorageMeters(MeterRegistry registry, Transactions tx, StorageCensus census) {
        this.registry = registry;
        this.tx = tx;
        this.census = census;
        uploads = Counter.builder(UPLOADS).description("objects stored through uploads").register(registry);
        uploadedBytes = Counter.builder(UPLOADED_BYTES).baseUnit("bytes")
                .description("bytes of the objects stored through uploads").register(registry);
        for (PinState state : new PinState[] {PinState.PINNED, PinState.FAILED}) {
            pinsSettled.put(state, Counter.builder(PINS_SETTLED).description("pin requests settled")
                    .tag("state", state.wire()).register(registry));
        }
        replicasPlaced = Counter.builder(REPLICAS_PLACED).description("replicas that received every block of their DAG")
                .register(registry);
        transferredBytes = Counter.builder(TRANSFERRED_BYTES).baseUnit("bytes")
                .description("bytes of sealed blocks stored on agents").register(registry);
        replicasFailedInTransfer = replicaFailed("transfer");
        replicasFailedAudit = replicaFailed("audit");
        auditsPassed = Counter.builder(AUDITS_PASSED).description("audits a replica passed").register(registry);
        challengeDuration = Timer.builder(CHALLENGE_DURATION)
                .description("from sending a challenge to an agent to its answer or failure")
                .publishPercentileHistogram().register(registry);
        repairsSucceeded = repairs("succeeded");
        repairsFailed = repairs("failed");
        periodsWitnessed = Counter.builder(PERIODS_WITNESSED)
                .description("storage periods of replicas handed to their agents, witnessed").register(registry);
        Gauge.builder(OBJECTS, this, m -> m.figures.objects())
                .description("distinct objects stored through uploads").register(registry);
        Gauge.builder(STORED_BYTES, this, m -> m.figures.bytes()).baseUnit("bytes")
                .description("bytes of the distinct objects stored through uploads").register(registry);
        for (PinState state : PinState.values()) {
            Gauge.builder(PINS, this, m -> m.figures.pins().get(state)).description("pin requests")
                    .tag("state", state.wire()).register(registry);
        }
        for (Replica.State state : Replica.State.values()) {
            Gauge.builder(REPLICAS, this, m -> m.figures.replicas().get(state)).description("replicas on providers")
                    .tag("state", state.wire()).register(registry);
        }
    }

    /** Counts again what the gateway keeps, for the gauges (every {@code agora.storage.metrics.refresh-interval}). */
    @Scheduled(every = "${agora.storage.metrics.refresh-interval:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void refresh() {
        try {
            figures = tx.read(census::count);
        } catch (RuntimeException e) {
            LOG.warnf("counting what the gateway keeps failed (the gauges keep their last figures): %s", e.getMessage());
        }
    }

    /** An upload stored an object of {@code bytes}. */
    public void uploaded(long bytes) {
        uploads.increment();
        uploadedBytes.increment(bytes);
    }

    /** An upload was refused with the problem {@code slug}; nothing of it was stored. */
    public void uploadRefused(String slug) {
        uploadsRefused.computeIfAbsent(slug, s -> Counter.builder(UPLOADS_REFUSED)
                .description("uploads refused; nothing of them stored").tag("problem", s).register(registry))
                .increment();
    }

    /** The worker settled a pin request as {@code state} ({@link PinState#PINNED} or {@link PinState#FAILED}). */
    public void pinSettled(PinState state) {
        Counter counter = pinsSettled.get(state);
        if (counter != null) {
            counter.increment();
        }
    }

    /** A replica received every block of its DAG. */
    public void replicaPlaced() {
        replicasPlaced.increment();
    }

    /** An agent stored a sealed block of {@code bytes} for a replica. */
    public void transferred(long bytes) {
        transferredBytes.increment(bytes);
    }

    /** A replica's transfer failed (its lease closed). */
    public void replicaFailedInTransfer() {
        replicasFailedInTransfer.increment();
    }

    /** A replica's blocks were deleted and its lease closed for {@code reason} (one of a few fixed reasons). */
    public void replicaReleased(String reason) {
        replicasReleased.computeIfAbsent(reason, r -> Counter.builder(REPLICAS_RELEASED)
                .description("replicas deleted on their agent, their lease closed").tag("reason", r).register(registry))
                .increment();
    }

    /** A replica passed its audit; the challenge took {@code took}. */
    public void auditPassed(Duration took) {
        challengeDuration.record(took);
        auditsPassed.increment();
    }

    /** A replica failed its audit (and was failed) because of a wrong proof; the challenge took {@code took}. */
    public void auditFailed(Duration took) {
        auditFailed(WRONG_PROOF, took);
    }

    /**
     * A replica failed its audit (and was failed) because its challenge failed with {@code failure}: tagged how the
     * agent call failed ({@link AgentCallException.Failure}), or {@code error} for anything else.
     */
    public void auditFailed(RuntimeException failure, Duration took) {
        auditFailed(failure instanceof AgentCallException call ? call.failure().tag() : "error", took);
    }

    private void auditFailed(String reason, Duration took) {
        challengeDuration.record(took);
        auditsFailed.computeIfAbsent(reason, r -> Counter.builder(AUDITS_FAILED).description("audits a replica failed")
                .tag("reason", r).register(registry)).increment();
        replicasFailedAudit.increment();
    }

    /** An audit round repaired, or failed to repair, an account's replicas of a DAG. */
    public void repaired(boolean succeeded) {
        (succeeded ? repairsSucceeded : repairsFailed).increment();
    }

    /** {@code periods} storage periods were handed to an agent, witnessed. */
    public void witnessed(int periods) {
        periodsWitnessed.increment(periods);
    }

    private Counter replicaFailed(String cause) {
        return Counter.builder(REPLICAS_FAILED).description("replicas failed, their lease closed").tag("cause", cause)
                .register(registry);
    }

    private Counter repairs(String result) {
        return Counter.builder(REPAIRS).description("repairs of an account's replicas of a DAG by the audit rounds")
                .tag("result", result).register(registry);
    }
}
