package cloud.agora.functions.domain;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.protocol.market.ProviderEndpoints;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Whether an agent endpoint may be sent anything — a call, its environment, a grant or a health probe:
 * {@link ProviderEndpoints#requireCallable} (a plain http(s) origin whose host resolves only to public addresses,
 * unless {@code agora.functions.local-network}). A provider registers its own endpoint, so without this check a
 * provider could point the gateway at the platform's own network (databases, cloud metadata) and have it send them
 * requests. The verdict is kept per endpoint for {@code endpoint-check-ttl} so the call path does not resolve DNS per
 * call; a host not resolved yet is resolved on a worker thread, never on the event loop.
 *
 * <p>Not closed: DNS rebinding between the check and the connection (the HTTP client resolves the host again when it
 * connects; a host that answers a public address to the check and a private one to the connection within the TTL
 * passes).
 */
@ApplicationScoped
public class EndpointGuard {

    private static final Logger LOG = Logger.getLogger(EndpointGuard.class);
    private static final int MAX_KEPT = 10_000;

    private record Verdict(Optional<String> refusal, long until) {
    }

    private final boolean localNetwork;
    private final long ttlNanos;
    private final ConcurrentHashMap<String, Verdict> verdicts = new ConcurrentHashMap<>();

    public EndpointGuard(FunctionsConfig config) {
        this.localNetwork = config.localNetwork();
        this.ttlNanos = config.endpointCheckTtl().toNanos();
    }

    /**
     * Why {@code endpoint} must not be called, or empty when it may be; completes at once when the verdict is kept
     * (or needs no DNS), else after resolving the host on a worker thread.
     */
    public CompletionStage<Optional<String>> refusal(String endpoint) {
        Verdict kept = kept(endpoint);
        if (kept != null) {
            return CompletableFuture.completedFuture(kept.refusal());
        }
        if (localNetwork) {
            return CompletableFuture.completedFuture(refusalNow(endpoint));
        }
        return CompletableFuture.supplyAsync(() -> refusalNow(endpoint), Infrastructure.getDefaultWorkerPool());
    }

    /** {@link #refusal}, resolving the host on the calling thread when needed (not on an event loop). */
    public Optional<String> refusalNow(String endpoint) {
        Verdict kept = kept(endpoint);
        if (kept != null) {
            return kept.refusal();
        }
        Optional<String> refusal;
        try {
            ProviderEndpoints.requireCallable(endpoint, localNetwork);
            refusal = Optional.empty();
        } catch (ProviderEndpoints.InvalidEndpointException e) {
            refusal = Optional.of(e.getMessage());
            LOG.warnf("agent endpoint refused, it gets no calls, grants or probes: %s", e.getMessage());
        }
        if (verdicts.size() >= MAX_KEPT) {
            verdicts.clear();
        }
        verdicts.put(endpoint, new Verdict(refusal, System.nanoTime() + ttlNanos));
        return refusal;
    }

    private Verdict kept(String endpoint) {
        Verdict verdict = verdicts.get(endpoint);
        return verdict != null && System.nanoTime() - verdict.until() < 0 ? verdict : null;
    }
}
