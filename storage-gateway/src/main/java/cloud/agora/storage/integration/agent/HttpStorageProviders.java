package cloud.agora.storage.integration.agent;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.StorageChallenge;
import cloud.agora.protocol.invocation.StorageProof;
import cloud.agora.protocol.market.ProviderEndpoints;
import cloud.agora.protocol.usage.StoragePeriods;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.replica.AgentCallException;
import cloud.agora.storage.domain.replica.AgentCallException.Failure;
import cloud.agora.storage.domain.replica.ReplicationException;
import cloud.agora.storage.domain.replica.StorageLease;
import cloud.agora.storage.domain.replica.StorageProviders;
import cloud.agora.storage.integration.GatewayKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.logging.Logger;

/**
 * {@link StorageProviders} over the agents' storage role ({@code /api/v1/storage/leases/...}): blocks, challenges,
 * deleting a lease and handing over witnessed storage periods ({@code POST .../periods}). Three defences sit
 * here, at the one place the gateway talks to agents:
 * <ul>
 * <li>every call carries {@code Authorization: Agora-Grant <token>}, a {@link StorageGrants storage grant} for
 * exactly that lease at that lease's provider, signed with the gateway's key — a provider can use it for nothing
 * else, and holds no secret that opens other providers' agents;</li>
 * <li>before any call, the endpoint must be a plain origin whose host resolves only to public addresses
 * ({@link ProviderEndpoints#requireCallable}; any address when {@code agora.storage.local-network}), so a
 * provider cannot turn the gateway's calls against the platform's own network; a refused endpoint is never sent a
 * block or a grant, and the call fails as the replica's failure;</li>
 * <li>what is read back is bounded: a block at most {@link #MAX_BLOCK_BYTES}, any other answer at most
 * {@link #MAX_ANSWER_BYTES}, refused as soon as it is longer (never buffered whole), and every exchange, body
 * included, ends within its deadline.</li>
 * </ul>
 * A challenge gets {@code agora.storage.replication.challenge-deadline} to answer; later counts as no answer.
 * Redirects are not followed (the client's default), so an agent cannot send the gateway elsewhere either.
 */
@ApplicationScoped
public class HttpStorageProviders implements StorageProviders {

    private static final Logger LOG = Logger.getLogger(HttpStorageProviders.class);
    private static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(60);
    /** How long an agent may take to learn a new lease from the marketplace (the {@code @Retry} on {@link #put}). */
    static final Duration LEASE_LAG = Duration.ofSeconds(30);
    /**
     * The largest block read back from an agent: 1 MiB (the largest chunk a UnixFS layout may use — {@code
     * DagLayout}'s and Kubo's chunker limit; the gateway's own imports use 256 KiB) plus 16 KiB for the dag-pb and
     * UnixFS framing of a leaf or the links of an internal node. Blocks read back are also checked against their
     * CID by the caller.
     */
    public static final int MAX_BLOCK_BYTES = (1 << 20) + (16 << 10);
    /** The largest answer other than a block (challenge proofs, acknowledgements, problems): 64 KiB. */
    public static final int MAX_ANSWER_BYTES = 64 << 10;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Duration challengeDeadline;
    private final boolean localNetwork;
    private final StorageGrants grants;

    @Inject
    public HttpStorageProviders(StorageConfig config, GatewayKey key, Clock clock) {
        this(config.replication().challengeDeadline(), config.localNetwork(),
                new StorageGrants(key::key, config.grantValidity(), clock));
    }

    /**
     * @param challengeDeadline how long an agent has to answer a challenge
     * @param localNetwork      whether agents at loopback, private or reserved addresses may be called
     * @param grants            the grants presented to agents
     */
    public HttpStorageProviders(Duration challengeDeadline, boolean localNetwork, StorageGrants grants) {
        this.challengeDeadline = challengeDeadline;
        this.localNetwork = localNetwork;
        this.grants = grants;
    }

    /** The answer of an agent: its status and its body (bounded). */
    private record Answer(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The start of the body, for messages. */
        String excerpt() {
            String text = text();
            return text.length() > 300 ? text.substring(0, 300) + "…" : text;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>An agent learns its leases from the marketplace's stream, so right after the bid matched
     * it may not know the lease yet ({@code 404 lease-not-held}, {@link LeaseNotHeldException}): that answer is
     * retried every 200 ms for up to {@link #LEASE_LAG} (SmallRye Fault Tolerance, declared here; called through the
     * bean, as the replicator does). Any other answer is not retried.
     */
    @Override
    @Retry(retryOn = LeaseNotHeldException.class, maxRetries = -1, delay = 200, jitter = 0,
            maxDuration = 30, durationUnit = ChronoUnit.SECONDS)
    public void put(StorageLease lease, Cid cid, byte[] block) {
        Answer answer = call(lease, "PUT", "/blocks/" + cid, HttpRequest.BodyPublishers.ofByteArray(block),
                TRANSFER_TIMEOUT, MAX_ANSWER_BYTES);
        if (answer.status() / 100 != 2) {
            String refusal = "agent " + lease.endpoint() + " refused block " + cid + ": " + answer.status() + " "
                    + answer.excerpt();
            if (answer.status() == 404 && answer.text().contains("lease-not-held")) {
                throw new LeaseNotHeldException(refusal);
            }
            throw new AgentCallException(Failure.REFUSED, refusal);
        }
    }

    @Override
    public Optional<byte[]> get(StorageLease lease, Cid cid) {
        Answer answer = call(lease, "GET", "/blocks/" + cid, HttpRequest.BodyPublishers.noBody(), TRANSFER_TIMEOUT,
                MAX_BLOCK_BYTES);
        if (answer.status() == 404) {
            return Optional.empty();
        }
        if (answer.status() != 200) {
            throw new AgentCallException(Failure.REFUSED, "agent " + lease.endpoint() + " answered "
                    + answer.status() + " for block " + cid);
        }
        return Optional.of(answer.body());
    }

    @Override
    public String challenge(StorageLease lease, Cid cid, byte[] nonce) {
        String body = JsonCodec.write(new StorageChallenge(cid.toString(), HexFormat.of().formatHex(nonce)));
        Answer answer = call(lease, "POST", "/challenges", HttpRequest.BodyPublishers.ofString(body), challengeDeadline,
                MAX_ANSWER_BYTES);
        if (answer.status() != 200) {
            throw new AgentCallException(Failure.REFUSED, "agent answered " + answer.status() + ": " + answer.excerpt());
        }
        StorageProof proof;
        try {
            proof = JsonCodec.read(answer.text(), StorageProof.class);
        } catch (RuntimeException e) {
            throw new AgentCallException(Failure.INVALID_ANSWER, "agent's answer is not a challenge answer: "
                    + answer.excerpt(), e);
        }
        if (proof == null || proof.proof() == null) {
            throw new AgentCallException(Failure.INVALID_ANSWER, "agent's answer has no proof: " + answer.excerpt());
        }
        return proof.proof();
    }

    @Override
    public void delete(StorageLease lease) {
        Answer answer = call(lease, "DELETE", "", HttpRequest.BodyPublishers.noBody(), TRANSFER_TIMEOUT, MAX_ANSWER_BYTES);
        if (answer.status() / 100 != 2 && answer.status() != 404) {
            throw new AgentCallException(Failure.REFUSED, "agent " + lease.endpoint() + " answered "
                    + answer.status() + " deleting lease " + lease.leaseId());
        }
    }

    @Override
    public int witness(StorageLease lease, List<StoragePeriods.Witnessed> periods) {
        String body = JsonCodec.write(new StoragePeriods.WitnessedPeriods(periods));
        Answer answer = call(lease, "POST", "/periods", HttpRequest.BodyPublishers.ofString(body), TRANSFER_TIMEOUT,
                MAX_ANSWER_BYTES);
        if (answer.status() / 100 != 2) {
            throw new AgentCallException(Failure.REFUSED, "agent " + lease.endpoint() + " refused " + periods.size()
                    + " witnessed periods: " + answer.status() + " " + answer.excerpt());
        }
        try {
            return JsonCodec.read(answer.text(), StoragePeriods.Accepted.class).accepted();
        } catch (RuntimeException e) {
            throw new AgentCallException(Failure.INVALID_ANSWER, "agent's answer is not an acceptance of periods: "
                    + answer.excerpt(), e);
        }
    }

    /**
     * One exchange with the lease's agent: the endpoint is checked first (nothing is sent to a refused one), then
     * the request goes with the lease's grant, and the answer is read up to {@code limit} bytes within
     * {@code timeout} in all.
     */
    private Answer call(StorageLease lease, String method, String path, HttpRequest.BodyPublisher body,
            Duration timeout, int limit) {
        String origin = callable(lease);
        Address provider;
        try {
            provider = Address.parse(lease.provider());
        } catch (RuntimeException e) {
            throw new ReplicationException("lease " + lease.leaseId() + " names no provider address: " + lease.provider(), e);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(origin + "/api/v1/storage/leases/" + lease.leaseId() + path))
                .timeout(timeout)
                .header("Authorization", grants.authorization(lease.leaseId(), provider))
                .method(method, body);
        if (!method.equals("GET") && !method.equals("DELETE")) {
            request.header("Content-Type", path.startsWith("/blocks/") ? "application/octet-stream" : "application/json");
        }
        CompletableFuture<java.net.http.HttpResponse<byte[]>> exchange = http.sendAsync(request.build(),
                BoundedBody.upTo(limit));
        try {
            var response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Answer(response.statusCode(), response.body());
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new AgentCallException(Failure.LATE, "agent " + lease.endpoint() + " did not answer within " + timeout, e);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new AgentCallException(Failure.UNREACHABLE, "interrupted while talking to agent " + lease.endpoint(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BoundedBody.TooLargeException tooLarge) {
                LOG.warnf("agent %s (provider %s, lease %s) answered %s %s with too much: %s", lease.endpoint(),
                        lease.provider(), lease.leaseId(), method, path, tooLarge.getMessage());
                throw new AgentCallException(Failure.INVALID_ANSWER, "the answer of agent " + lease.endpoint() + " was refused: "
                        + tooLarge.getMessage(), cause);
            }
            if (cause instanceof HttpTimeoutException) {
                throw new AgentCallException(Failure.LATE, "agent " + lease.endpoint() + " did not answer within " + timeout,
                        cause);
            }
            throw new AgentCallException(Failure.UNREACHABLE, "cannot reach agent " + lease.endpoint() + ": " + cause, cause);
        }
    }

    /** The lease's endpoint as an origin the gateway may call, or a failure that names why not. */
    private String callable(StorageLease lease) {
        try {
            return ProviderEndpoints.requireCallable(lease.endpoint(), localNetwork);
        } catch (ProviderEndpoints.InvalidEndpointException e) {
            LOG.warnf("refusing to call the agent of provider %s for lease %s: %s", lease.provider(), lease.leaseId(),
                    e.getMessage());
            throw new AgentCallException(Failure.ENDPOINT_REFUSED, "agent endpoint refused: " + e.getMessage(), e);
        }
    }
}
