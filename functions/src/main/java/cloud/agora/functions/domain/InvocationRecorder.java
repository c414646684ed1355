package cloud.agora.functions.domain;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.InvocationRecord.ReceiptStatus;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.ReceiptRating;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.support.outbox.OutboxRelay;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Records every call an agent answered: usage by the provider's receipt, the function's stderr
 * as log lines, and — when the receipt is the lease's provider's and this gateway has a key —
 * the counter-signed receipt on {@code usage.receipts.v1} ({@code UsageRecorded}, id = invocation
 * id, key = lease id) through the outbox, in one transaction. A suspect receipt (wrong signer,
 * bad signature, ids that do not match the call) is recorded as SUSPECT with the reason and
 * logged, its figures are not counted, and it is not forwarded; the caller still gets the result.
 */
@ApplicationScoped
public class InvocationRecorder {

    /** The envelope type and source of forwarded receipts. */
    public static final String RECEIPT_TYPE = "UsageRecorded";
    public static final String SOURCE = "functions";

    private static final Logger LOG = Logger.getLogger(InvocationRecorder.class);

    private final InvocationStore store;
    private final ReceiptCountersigner countersigner;
    private final OutboxRelay relay;
    private final int keepLines;
    private final int lineChars;
    private final Clock clock = Clock.systemUTC();
    private final java.util.concurrent.ThreadPoolExecutor queue = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0,
            java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(10_000),
            r -> new Thread(r, "invocation-recorder"));

    public InvocationRecorder(InvocationStore store, ReceiptCountersigner countersigner, OutboxRelay relay,
            FunctionsConfig config) {
        this.store = store;
        this.countersigner = countersigner;
        this.relay = relay;
        this.keepLines = config.logLines();
        this.lineChars = config.logLineChars();
    }

    /**
     * Queues the recording of a reply, so the caller gets the answer without waiting for the receipt's signature
     * checks, the counter-signature and the PostgreSQL commit. One worker records in arrival order; when the queue
     * is full the call records inline (back-pressure). A gateway crash loses what was still queued: the usage and
     * log lines of those calls and the gateway's counter-signed copy of their receipts — not their billing, which
     * comes from the agent's own journal.
     */
    public void recordLater(UUID functionId, FunctionVersion version, Deployment.Replica replica, UUID invocationId,
            int bytesIn, Agents.AgentReply reply) {
        try {
            queue.execute(() -> recordQuietly(functionId, version, replica, invocationId, bytesIn, reply));
        } catch (java.util.concurrent.RejectedExecutionException full) {
            recordQuietly(functionId, version, replica, invocationId, bytesIn, reply);
        }
    }

    /** Waits (up to 10 s) until every call answered before now is recorded: reads of usage and logs call this first. */
    public void awaitRecorded() {
        try {
            queue.submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException | java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException e) {
            LOG.debugf("recording queue not drained: %s", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @jakarta.annotation.PreDestroy
    void drain() {
        queue.shutdown();
        try {
            queue.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void recordQuietly(UUID functionId, FunctionVersion version, Deployment.Replica replica, UUID invocationId,
            int bytesIn, Agents.AgentReply reply) {
        try {
            record(functionId, version, replica, invocationId, bytesIn, reply);
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not record invocation %s (lease %s)", invocationId, replica.leaseId());
        }
    }

    /** Records the reply of the agent of {@code replica} to call {@code invocationId} of {@code version}. */
    public InvocationRecord record(UUID functionId, FunctionVersion version, Deployment.Replica replica, UUID invocationId,
            int bytesIn, Agents.AgentReply reply) {
        UsageReceipt receipt = reply.receipt();
        ReceiptStatus status;
        String problem = null;
        EventEnvelope<UsageReceipt> event = null;
        if (receipt == null) {
            status = ReceiptStatus.MISSING;
            problem = "the agent returned no readable receipt";
        } else {
            Optional<String> wrong = countersigner.problem(receipt, invocationId, replica.leaseId(), replica.provider());
            if (wrong.isPresent()) {
                status = ReceiptStatus.SUSPECT;
                problem = wrong.get();
                LOG.warnf("suspect receipt for invocation %s from %s (lease %s): %s", invocationId, replica.provider(),
                        replica.leaseId(), problem);
            } else {
                Optional<UsageReceipt> signed = countersigner.counterSign(receipt);
                status = signed.isPresent() ? ReceiptStatus.FORWARDED : ReceiptStatus.VERIFIED;
                event = signed.map(r -> new EventEnvelope<>(invocationId.toString(), RECEIPT_TYPE, SOURCE, r.endedAt(),
                        r.leaseId().toString(), r)).orElse(null);
            }
        }
        boolean trusted = status == ReceiptStatus.FORWARDED || status == ReceiptStatus.VERIFIED;
        BigInteger charge = trusted && replica.prices() != null ? ReceiptRating.charge(replica.prices(), receipt) : null;
        InvocationRecord call = new InvocationRecord(invocationId, functionId, version.version(), replica.provider(),
                replica.leaseId(), reply.status(), reply.exitCode(), trusted ? receipt.cpuNanos() : 0,
                trusted ? receipt.memoryMibMillis() : 0, trusted ? receipt.wallMillis() : 0,
                trusted ? receipt.bytesIn() : bytesIn, trusted ? receipt.bytesOut() : reply.body().length, charge, status,
                problem, clock.instant());
        store.record(call, receipt == null ? null : JsonCodec.write(event != null ? event.data() : receipt),
                lines(reply.stderr(), reply.stderrTruncated()), event);
        if (event != null) {
            relay.nudge();
        }
        return call;
    }

    /**
     * Keeps each function's newest {@code log-lines} lines: trimmed on a timer, not per call, so
     * the call path pays no ranking query (a function may briefly hold a few seconds more).
     */
    @Scheduled(every = "${agora.functions.log-trim-interval:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void trimLogs() {
        store.trimLogs(keepLines);
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
