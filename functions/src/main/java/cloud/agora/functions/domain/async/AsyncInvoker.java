package cloud.agora.functions.domain.async;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.catalog.FunctionNotFoundException;
import cloud.agora.functions.domain.invocation.FunctionNotDeployedException;
import cloud.agora.functions.domain.invocation.InvocationRouter;
import cloud.agora.functions.persistence.AsyncInvocationStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.support.outbox.OutboxRelay;
import cloud.agora.support.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Async invocations. Submission stores the request and its queue record
 * ({@code functions.invocations.v1}, {@code InvocationRequested}, id and key = invocation id)
 * in one transaction, only for a function that exists and is deployed. An attempt claims the
 * stored request (so a redelivered record finds it finished and does nothing: one effect per
 * id) and runs it through the same {@link InvocationRouter} as {@code /fn}, under the
 * invocation's own id. Failures where the call certainly did not start (no replica reachable,
 * concurrency limit, not deployed, credit exhausted) are retried with exponential backoff up
 * to {@code async-attempts}, then dead-lettered ({@code functions.dead-letters.v1},
 * {@code InvocationDeadLettered}); a function error or an agent that may have started the call
 * ends it FAILED at once (never run twice).
 */
@ApplicationScoped
public class AsyncInvoker {

    /** Envelope types and source of the async topics. */
    public static final String REQUESTED = "InvocationRequested";
    public static final String DEAD_LETTERED = "InvocationDeadLettered";
    public static final String SOURCE = "functions";
    private static final Set<String> NOT_STARTED = Set.of("no-replica-reachable", "concurrency-limit-reached", "gateway-overloaded",
            "function-not-deployed", "credit-exhausted", "credit-unavailable");
    private static final Logger LOG = Logger.getLogger(AsyncInvoker.class);

    private final InvocationRouter router;
    private final AsyncInvocationStore store;
    private final OutboxRelay relay;
    private final int maxAttempts;
    private final Duration backoff;
    private final Duration stuckAfter;
    private final Set<UUID> running = ConcurrentHashMap.newKeySet();
    private final Clock clock;
    private static final SecureRandom RANDOM = new SecureRandom();

    public AsyncInvoker(InvocationRouter router, AsyncInvocationStore store, OutboxRelay relay, FunctionsConfig config,
            Clock clock) {
        this.clock = clock;
        this.router = router;
        this.store = store;
        this.relay = relay;
        this.maxAttempts = config.asyncAttempts();
        this.backoff = config.asyncBackoff();
        this.stuckAfter = config.asyncStuckAfter();
    }

    /**
     * An accepted async call: its id and the capability to read its record and result (256 random bits, base64url;
     * returned once, kept only as its SHA-256).
     */
    public record Submitted(UUID id, String capability) {
    }

    /**
     * Accepts a call of {@code name} for later; anyone may submit, as anyone may call {@code /fn}. Only the
     * function's owner and whoever holds the returned capability may read it afterwards.
     *
     * @throws FunctionNotFoundException    404 when there is no such function
     * @throws FunctionNotDeployedException 409 when it has no ACTIVE deployment
     */
    public Submitted submit(String name, String method, String path, String query, Map<String, String> headers,
            byte[] body) {
        InvocationRouter.Target target = router.target(name, body.length);
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String capability = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        store.submit(target.function().id(), new AsyncRequest(id, name, method, path, query, headers, body,
                AsyncInvocation.Status.QUEUED, 0), sha256(capability), now, Topics.FUNCTIONS_INVOCATIONS,
                new EventEnvelope<>(id.toString(), REQUESTED, SOURCE, now, id.toString(), Map.of("invocationId", id,
                        "function", name)));
        relay.nudge();
        return new Submitted(id, capability);
    }

    /**
     * The invocation {@code id}, for its function's owner ({@code reader}, when signed in) or the holder of its
     * {@code capability} (compared by hash in constant time). Anyone else gets the same 404 as for an unknown id, so
     * an id alone reveals nothing, not even that it exists.
     *
     * @throws AsyncInvocationNotFoundException 404 when unknown or not the reader's to see
     */
    public AsyncInvocation get(UUID id, Optional<Address> reader, Optional<String> capability) {
        AsyncInvocationRecord found = store.find(id).orElseThrow(() -> new AsyncInvocationNotFoundException(id));
        boolean owner = reader.isPresent() && reader.get().equals(found.owner());
        boolean holder = capability.isPresent() && found.capabilitySha256() != null
                && MessageDigest.isEqual(sha256(capability.get()), found.capabilitySha256());
        if (!owner && !holder) {
            throw new AsyncInvocationNotFoundException(id);
        }
        return found.invocation();
    }

    private static byte[] sha256(String capability) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(capability.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Runs {@code id} to its end (with retries); does nothing when it is finished, unknown or already running here. */
    public void run(UUID id) {
        if (!running.add(id)) {
            return;
        }
        try {
            while (true) {
                Optional<AsyncRequest> claimed = store.claim(id, clock.instant(), clock.instant().minus(stuckAfter));
                if (claimed.isEmpty()) {
                    return;
                }
                AsyncRequest request = claimed.get();
                try {
                    InvocationRouter.Invocation done = router.invoke(id, request.function(), request.method(),
                            request.path(), request.query(), request.headers(), request.body());
                    store.finish(id, AsyncInvocation.Status.SUCCEEDED,
                            done.httpStatus() == null ? 200 : done.httpStatus(), done.body(), done.provider(), null,
                            clock.instant(), null, null);
                    return;
                } catch (ProblemException e) {
                    Map<String, Object> error = problem(e);
                    if (!NOT_STARTED.contains(e.slug())) {
                        store.finish(id, AsyncInvocation.Status.FAILED, null, null, null, error, clock.instant(), null, null);
                        return;
                    }
                    if (request.attempts() >= maxAttempts) {
                        LOG.warnf("async invocation %s dead-lettered after %d attempts: %s", id, request.attempts(),
                                e.getMessage());
                        Map<String, Object> letter = new LinkedHashMap<>();
                        letter.put("invocationId", id);
                        letter.put("function", request.function());
                        letter.put("attempts", request.attempts());
                        letter.put("error", error);
                        store.finish(id, AsyncInvocation.Status.DEAD_LETTERED, null, null, null, error, clock.instant(),
                                Topics.FUNCTIONS_DEAD_LETTERS, new EventEnvelope<>(id.toString(), DEAD_LETTERED, SOURCE,
                                        clock.instant(), id.toString(), letter));
                        relay.nudge();
                        return;
                    }
                    store.requeue(id, clock.instant());
                    sleep(backoff.multipliedBy(1L << Math.min(request.attempts() - 1, 10)));
                }
            }
        } finally {
            running.remove(id);
        }
    }

    /** Ids that wait longer than they should (a lost wake-up, a crashed gateway): the sweeper runs them again. */
    public java.util.List<UUID> stalled() {
        Instant now = clock.instant();
        return store.stalled(now.minus(stuckAfter), now.minus(stuckAfter), 100);
    }

    private static Map<String, Object> problem(ProblemException e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("type", "urn:agora:problem:" + e.slug());
        out.put("title", e.title());
        out.put("status", e.status());
        out.put("detail", e.getMessage());
        e.ids().forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted between attempts", e);
        }
    }
}
