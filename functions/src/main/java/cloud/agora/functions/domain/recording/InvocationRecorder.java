package cloud.agora.functions.domain.recording;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.catalog.FunctionVersion;
import cloud.agora.functions.domain.deployment.Deployment;
import cloud.agora.functions.domain.invocation.Agents;
import cloud.agora.functions.domain.observation.CallObserver;
import cloud.agora.functions.domain.recording.InvocationRecord.ReceiptStatus;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.InvocationReply;
import cloud.agora.protocol.usage.ReceiptRating;
import cloud.agora.protocol.usage.UsageEvents;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.WitnessBatch;
import cloud.agora.support.jdbc.StoreException;
import cloud.agora.support.outbox.OutboxRelay;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Records every call an agent answered: usage by the provider's receipt, the function's stderr as log lines, and the
 * gateway's witness of the receipts it vouches for ({@link ReceiptWitness}: the lease's provider's, naming the grant
 * this gateway issued, within the lease's bounds and what the gateway saw). The witness is one {@link WitnessBatch}
 * per recording transaction — one gateway signature over the Merkle root of the hashes of every receipt witnessed in
 * it — appended to the outbox for {@code usage.receipts.v1} ({@value #WITNESS_TYPE}, id = the root, key = the
 * gateway's address) in the transaction that records the calls. The receipts themselves reach billing from their
 * agents, which ship them; billing rates a receipt once its provider's attestation and a gateway's witness both
 * cover its hash. A receipt the gateway does not witness is recorded as SUSPECT with the reason (slug and detail),
 * logged, counted in {@value #UNWITNESSED_METRIC} by reason; its figures are not counted and its hash is in no witness
 * batch (billing quarantines the agent's copy as unwitnessed); the caller still gets the result.
 *
 * <p>The caller gets the answer once its call is recorded and its receipt witnessed in PostgreSQL: a gateway that dies
 * after answering has left the witness behind, so every answered call is billable. A call answered while no other
 * waits to be recorded (and {@code record-linger} is 0, the default) is recorded alone, right where its answer
 * arrived: its receipt checked and its witness signed on that thread (the event loop), and its one statement sent
 * with a non-blocking client ({@link InvocationStore#recordAlone}), so no thread is woken to record it and none to
 * hand the answer back (on this machine such hand-overs cost ~0.1 ms of a call's latency). Calls answered meanwhile
 * go to one worker, which takes them in arrival order and records what waits (at most {@code record-batch}, after
 * lingering {@code record-linger}) in one transaction — one commit, one signature, one outbox nudge and one Kafka
 * record for the calls that arrived during the previous commit (group commit). A call that fails to be recorded
 * alone goes to the worker (and for {@link #ALONE_PAUSE} every call does), and a batch that fails is recorded again
 * call by call (each with its own witness batch); recording a call again adds nothing when it was recorded after
 * all. While the database is away the answers wait for it up to {@code record-wait}, then go
 * out with their recording still queued (lost if the gateway also dies before the database returns). The gateway
 * refuses new calls (503 {@code gateway-overloaded}) while {@code record-backlog} calls wait to be recorded.
 */
@ApplicationScoped
public class InvocationRecorder {

    /** The envelope type and source of the gateway's witness batches. */
    public static final String WITNESS_TYPE = UsageEvents.WITNESS_BATCH;
    public static final String SOURCE = "functions";

    private static final Logger LOG = Logger.getLogger(InvocationRecorder.class);

    private final InvocationStore store;
    private final ReceiptWitness witness;
    private final OutboxRelay relay;
    private final int lineChars;
    private final Clock clock;
    private final MeterRegistry meters;
    private final CallObserver observer;
    private final int maxBatch;
    private final long lingerNanos;
    private final int maxBacklog;
    /** Answered calls ({@link Answered}) and flush requests ({@link Flush}) in arrival order. */
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private volatile boolean stopping;

    /** An answered call; {@code checked}: what to record of it when that was worked out already (else null). */
    private record Answered(UUID functionId, FunctionVersion version, Deployment.Replica replica, UUID invocationId,
            int bytesIn, Agents.AgentReply reply, ReceiptWitness.Observation seen, CompletableFuture<Void> recorded,
            CallRecording checked) {
    }

    /** Completes once everything queued before it is recorded. */
    private record Flush(CompletableFuture<Void> done) {
    }

    /** Counter of receipts the gateway did not witness, tagged by {@code reason} ({@link ReceiptWitness.Refusal}). */
    public static final String UNWITNESSED_METRIC = "agora.functions.receipts.unwitnessed";
    /** The first wait before recording again while the database is away; it doubles up to {@link #RETRY_MOST}. */
    static final Duration RETRY_FIRST = Duration.ofMillis(100);
    static final Duration RETRY_MOST = Duration.ofSeconds(2);
    /** After a call failed to be recorded alone, the worker records every call for this long. */
    static final Duration ALONE_PAUSE = Duration.ofSeconds(5);

    /** Whether calls may be recorded alone (no linger asked for). */
    private final boolean alone;
    /** Whether a call is being recorded alone: one at a time, the others go to the worker. */
    private final AtomicBoolean aloneBusy = new AtomicBoolean();
    /** Completes once the call recorded alone last has been recorded or handed to the worker. */
    private volatile CompletableFuture<Void> aloneDone = CompletableFuture.completedFuture(null);
    /** System.nanoTime() until which no call is recorded alone. */
    private volatile long alonePausedUntil = System.nanoTime();

    /** A recorder that tells nobody what it saw of the calls (the observer-less form tests build by hand). */
    public InvocationRecorder(InvocationStore store, ReceiptWitness witness, OutboxRelay relay,
            FunctionsConfig config, Clock clock, MeterRegistry meters) {
        this(store, witness, relay, config, clock, meters, null);
    }

    /** @param observer told of every answered call once it is recorded (latency, outcome, the witnessed wall time) */
    @jakarta.inject.Inject
    public InvocationRecorder(InvocationStore store, ReceiptWitness witness, OutboxRelay relay,
            FunctionsConfig config, Clock clock, MeterRegistry meters, CallObserver observer) {
        this.observer = observer;
        this.clock = clock;
        this.meters = meters;
        this.store = store;
        this.witness = witness;
        this.relay = relay;
        this.lineChars = config.logLineChars();
        this.maxBatch = config.recordBatch();
        this.lingerNanos = config.recordLinger().toNanos();
        this.maxBacklog = config.recordBacklog();
        this.alone = lingerNanos == 0 && store.canRecordAlone();
        this.worker = new Thread(this::work, "invocation-recorder");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Queues the recording of a reply; the stage completes once the call is recorded and its receipt witnessed in the
     * database (also when recording it failed for good, which is logged), the moment its answer may go out. A database
     * that is away delays it (the caller bounds the wait: {@code record-wait}).
     */
    public CompletableFuture<Void> record(UUID functionId, FunctionVersion version, Deployment.Replica replica, int bytesIn,
            Agents.AgentReply reply, ReceiptWitness.Observation seen) {
        CompletableFuture<Void> recorded = new CompletableFuture<>();
        Answered answered = new Answered(functionId, version, replica, seen.grant().invocationId(), bytesIn, reply,
                seen, recorded, null);
        if (alone && queue.isEmpty() && notPaused() && aloneBusy.compareAndSet(false, true)) {
            if (notPaused()) { // again: a failure may have paused it since the first look
                recordAlone(answered);
                return recorded;
            }
            aloneBusy.set(false);
        }
        queue.add(answered);
        return recorded;
    }

    private boolean notPaused() {
        return System.nanoTime() - alonePausedUntil >= 0;
    }

    /**
     * Records {@code a} with one non-blocking statement, on this thread up to sending it; on failure hands it to the
     * worker, which waits out a database that is away (the caller's answer waits as for any call).
     */
    private void recordAlone(Answered a) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        aloneDone = done;
        CallRecording checked = null;
        CompletionStage<Boolean> statement;
        try {
            checked = recording(a);
            List<EventEnvelope<?>> events = checked.witnessed() == null ? List.of()
                    : witnessEvents(List.of(checked.witnessed()));
            statement = store.recordAlone(checked, events);
        } catch (Throwable e) { // whatever it is, the call goes to the worker and the path is free again
            toWorker(a, checked, done, e);
            return;
        }
        CallRecording recording = checked;
        statement.whenComplete((appended, failure) -> {
            if (failure != null) {
                toWorker(a, recording, done, failure);
                return;
            }
            aloneBusy.set(false);
            done.complete(null);
            try {
                a.recorded().complete(null);
                after(appended, List.of(a), List.of(recording)).run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "after recording invocation %s", a.invocationId());
            }
        });
    }

    /** A call that could not be recorded alone goes to the worker; none is recorded alone for {@link #ALONE_PAUSE}. */
    private void toWorker(Answered a, CallRecording checked, CompletableFuture<Void> done, Throwable failure) {
        alonePausedUntil = System.nanoTime() + ALONE_PAUSE.toNanos();
        LOG.warnf("invocation %s could not be recorded alone, the recorder's thread records it (and every call for"
                + " %d s): %s", a.invocationId(), ALONE_PAUSE.toSeconds(), failure.toString());
        queue.add(new Answered(a.functionId(), a.version(), a.replica(), a.invocationId(), a.bytesIn(), a.reply(),
                a.seen(), a.recorded(), checked));
        aloneBusy.set(false);
        done.complete(null);
    }

    /** Whether so many answered calls wait to be recorded that the gateway should take no more for now. */
    public boolean overloaded() {
        return queue.size() >= maxBacklog;
    }

    /** Waits (up to 10 s) until every call answered before now is recorded: reads of usage and logs call this first. */
    public void awaitRecorded() {
        Flush flush = new Flush(new CompletableFuture<>());
        try {
            aloneDone.get(10, TimeUnit.SECONDS); // recorded, or queued for the worker before the flush
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debugf("call recorded alone not finished: %s", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.add(flush);
        try {
            flush.done().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debugf("recording queue not drained: %s", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @jakarta.annotation.PreDestroy
    void drain() {
        stopping = true;
        awaitRecorded();
        worker.interrupt();
    }

    private void work() {
        List<Answered> batch = new ArrayList<>();
        List<Flush> flushes = new ArrayList<>();
        while (true) {
            try {
                Object first = queue.take();
                long deadline = System.nanoTime() + lingerNanos;
                Object next = first;
                while (next != null) {
                    if (next instanceof Answered answered) {
                        batch.add(answered);
                    } else {
                        flushes.add((Flush) next);
                    }
                    if (batch.size() >= maxBatch) {
                        break;
                    }
                    long left = deadline - System.nanoTime();
                    // someone waits for what is queued, or the gateway stops: no more lingering
                    next = !flushes.isEmpty() || stopping || left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
            }
            List<Runnable> after = recordQuietly(batch);
            // the answers first: waking the relay's thread costs a context switch their callers need not wait for
            batch.forEach(a -> a.recorded().complete(null));
            for (Runnable then : after) {
                try {
                    then.run();
                } catch (RuntimeException e) {
                    LOG.errorf(e, "after recording %d calls", batch.size()); // the worker goes on
                }
            }
            flushes.forEach(f -> f.done().complete(null));
            batch.clear();
            flushes.clear();
        }
    }

    /** Records the batch (call by call if it fails as a whole); what to do once their answers went out. */
    private List<Runnable> recordQuietly(List<Answered> batch) {
        List<Runnable> after = new ArrayList<>();
        if (batch.isEmpty()) {
            return after;
        }
        try {
            after.add(recordRetrying(batch));
        } catch (RuntimeException e) {
            // one bad call must not cost the others their record: record them one by one
            for (Answered one : batch) {
                if (Thread.currentThread().isInterrupted()) {
                    LOG.errorf("stopping with the database away: invocation %s (lease %s) not recorded, its receipt not"
                            + " witnessed", one.invocationId(), one.replica().leaseId());
                    continue;
                }
                try {
                    after.add(recordRetrying(List.of(one)));
                } catch (RuntimeException single) {
                    LOG.errorf(single, "could not record invocation %s (lease %s)", one.invocationId(),
                            one.replica().leaseId());
                }
            }
        }
        return after;
    }

    /**
     * Records the batch, waiting out a database that is away (backoff from {@link #RETRY_FIRST} to {@link #RETRY_MOST}):
     * an answered call keeps its witness through a PostgreSQL restart. Meanwhile answers queue up and, past the
     * backlog, the gateway takes no new calls ({@link #overloaded}). Rethrows what waiting cannot mend (the database
     * refusing the data), and gives up when the gateway stops (interrupted).
     */
    private Runnable recordRetrying(List<Answered> batch) {
        long wait = RETRY_FIRST.toMillis();
        while (true) {
            try {
                return record(batch);
            } catch (StoreException e) {
                if (!e.isTransient()) {
                    throw e;
                }
                LOG.warnf("recording %d answered calls waits for the database (again in %d ms): %s", batch.size(), wait,
                        e.getMessage());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                wait = Math.min(wait * 2, RETRY_MOST.toMillis());
            }
        }
    }

    /** Records the batch in one transaction; returns the relay's nudge and the observer's news, for after the answers. */
    private Runnable record(List<Answered> batch) {
        List<CallRecording> recordings = new ArrayList<>(batch.size());
        for (Answered a : batch) {
            recordings.add(a.checked() != null ? a.checked() : recording(a));
        }
        return after(store.record(recordings, this::witnessEvents), batch, recordings);
    }

    /** What follows recorded calls once their answers are out: the relay's nudge (when events were appended), the observer. */
    private Runnable after(boolean appended, List<Answered> batch, List<CallRecording> recordings) {
        return () -> {
            if (appended) {
                relay.nudge();
            }
            observe(batch, recordings);
        };
    }

    private void observe(List<Answered> batch, List<CallRecording> recordings) {
        if (observer != null) {
            for (int i = 0; i < batch.size(); i++) {
                Answered a = batch.get(i);
                InvocationRecord call = recordings.get(i).call();
                observer.answered(a.replica().provider(), a.reply().reply().status(), a.reply().reply().warm(),
                        a.seen().roundTripMillis(),
                        call.receiptStatus() == ReceiptStatus.FORWARDED ? call.wallMillis() : null);
            }
        }
    }

    /** The gateway's witness of the receipts with these hashes, as outbox events: id = the batch root, key = the gateway. */
    private List<EventEnvelope<?>> witnessEvents(List<byte[]> receiptHashes) {
        List<EventEnvelope<?>> events = new ArrayList<>();
        for (WitnessBatch batch : witness.sign(receiptHashes)) {
            String gateway = batch.attestation().signer().value();
            events.add(new EventEnvelope<>(batch.attestation().root(), WITNESS_TYPE, SOURCE, clock.instant(), gateway, batch));
        }
        return events;
    }

    private CallRecording recording(Answered a) {
        return recording(a.functionId(), a.version(), a.replica(), a.invocationId(), a.bytesIn(), a.reply(), a.seen());
    }

    /** What to record of the reply: the checks of its receipt, whether it is witnessed, the figures and log lines. */
    private CallRecording recording(UUID functionId, FunctionVersion version, Deployment.Replica replica,
            UUID invocationId, int bytesIn, Agents.AgentReply answer, ReceiptWitness.Observation seen) {
        UsageReceipt receipt = answer.receipt().get();
        InvocationReply reply = answer.reply();
        ReceiptStatus status;
        String problem = null;
        if (receipt == null) {
            status = ReceiptStatus.MISSING;
            problem = "the agent returned no readable receipt";
            meters.counter(UNWITNESSED_METRIC, "reason", "missing").increment();
        } else {
            Optional<ReceiptWitness.Refusal> wrong = witness.problem(receipt, invocationId, replica.leaseId(),
                    replica.provider(), seen);
            if (wrong.isPresent()) {
                status = ReceiptStatus.SUSPECT;
                problem = wrong.get().toString();
                meters.counter(UNWITNESSED_METRIC, "reason", wrong.get().reason()).increment();
                LOG.warnf("receipt not witnessed (%s) for invocation %s from %s (lease %s): %s", wrong.get().reason(),
                        invocationId, replica.provider(), replica.leaseId(), wrong.get().detail());
            } else {
                status = ReceiptStatus.FORWARDED;
            }
        }
        boolean trusted = status == ReceiptStatus.FORWARDED;
        BigInteger charge = trusted && replica.prices() != null ? ReceiptRating.charge(replica.prices(), receipt) : null;
        byte[] output = reply.body() == null ? new byte[0] : reply.body();
        InvocationRecord call = new InvocationRecord(invocationId, functionId, version.version(), replica.provider(),
                replica.leaseId(), reply.status().name(), reply.exitCode(), trusted ? receipt.cpuNanos() : 0,
                trusted ? receipt.memoryMibMillis() : 0, trusted ? receipt.wallMillis() : 0,
                trusted ? receipt.bytesIn() : bytesIn, trusted ? receipt.bytesOut() : output.length, charge, status,
                problem, clock.instant());
        return new CallRecording(call, receipt == null ? null : JsonCodec.write(receipt),
                lines(reply.stderr(), reply.stderrTruncated()), trusted ? receipt.hash() : null);
    }

    private List<String> lines(String stderr, boolean truncated) {
        List<String> out = new ArrayList<>();
        if (stderr == null || stderr.isEmpty()) {
            return out;
        }
        if (truncated) {
            out.add("[earlier stderr of this call was truncated by the agent]");
        }
        for (String line : stderr.split("\r?\n", -1)) {
            out.add(line.length() > lineChars ? line.substring(0, lineChars) + "…" : line);
        }
        if (out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }
}
