package cloud.agora.functions.domain.invocation;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.protocol.market.ProviderEndpoints;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Whether an agent endpoint may be sent anything — a call, its environment, a grant or a health probe — and where to:
 * {@link ProviderEndpoints#callable} (a plain http(s) origin whose host resolves only to public addresses, unless
 * {@code agora.functions.local-network}). A provider registers its own endpoint, so without this check a provider
 * could point the gateway at the platform's own network (databases, cloud metadata) and have it send them requests.
 * The verdict keeps the addresses the host resolved to, and the gateway connects to one of them ({@link Checked#address},
 * the host staying the {@code Host} header and the TLS name): a host that answers a public address to the check and a
 * private one to a later lookup (DNS rebinding) still reaches only what was checked. The verdict is kept per endpoint
 * for {@code endpoint-check-ttl} so the call path does not resolve DNS per call; a host not resolved yet is resolved on
 * a worker thread, never on the event loop.
 */
@ApplicationScoped
public class EndpointGuard {

    private static final Logger LOG = Logger.getLogger(EndpointGuard.class);
    private static final int MAX_KEPT = 10_000;

    /**
     * A verdict on an endpoint.
     *
     * @param refusal why it must not be called; empty when it may be
     * @param address the checked address to connect to; empty when refused, or on a local network (nothing checked)
     */
    public record Checked(Optional<String> refusal, Optional<InetAddress> address) {
    }

    private record Verdict(Checked checked, long until) {
    }

    private final boolean localNetwork;
    private final long ttlNanos;
    private final AgentHosts hosts;
    private final ConcurrentHashMap<String, Verdict> verdicts = new ConcurrentHashMap<>();

    public EndpointGuard(FunctionsConfig config, AgentHosts hosts) {
        this.localNetwork = config.localNetwork();
        this.ttlNanos = config.endpointCheckTtl().toNanos();
        this.hosts = hosts;
    }

    /**
     * The verdict on {@code endpoint}; completes at once when it is kept (or needs no DNS), else after resolving the
     * host on a worker thread.
     */
    public CompletionStage<Checked> check(String endpoint) {
        Verdict kept = kept(endpoint);
        if (kept != null) {
            return CompletableFuture.completedFuture(kept.checked());
        }
        if (localNetwork) {
            return CompletableFuture.completedFuture(checkNow(endpoint));
        }
        return CompletableFuture.supplyAsync(() -> checkNow(endpoint), Infrastructure.getDefaultWorkerPool());
    }

    /** {@link #check}, resolving the host on the calling thread when needed (not on an event loop). */
    public Checked checkNow(String endpoint) {
        Verdict kept = kept(endpoint);
        if (kept != null) {
            return kept.checked();
        }
        Checked checked;
        try {
            checked = new Checked(Optional.empty(), ProviderEndpoints.callable(endpoint, localNetwork, hosts).address());
        } catch (ProviderEndpoints.InvalidEndpointException e) {
            checked = new Checked(Optional.of(e.getMessage()), Optional.empty());
            LOG.warnf("agent endpoint refused, it gets no calls, grants or probes: %s", e.getMessage());
        }
        if (verdicts.size() >= MAX_KEPT) {
            verdicts.clear();
        }
        verdicts.put(endpoint, new Verdict(checked, System.nanoTime() + ttlNanos));
        return checked;
    }

    private Verdict kept(String endpoint) {
        Verdict verdict = verdicts.get(endpoint);
        return verdict != null && System.nanoTime() - verdict.until() < 0 ? verdict : null;
    }
}
