package cloud.agora.storage.integration.agent;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.replica.ReplicationException;
import cloud.agora.storage.domain.replica.StorageLease;
import cloud.agora.storage.domain.replica.StorageProviders;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * {@link StorageProviders} over the agents' storage role ({@code /api/v1/storage/leases/...}),
 * with the platform's gateway secret as bearer. A challenge gets
 * {@code agora.storage.replication.challenge-deadline} to answer; later counts as no answer.
 */
@ApplicationScoped
public class HttpStorageProviders implements StorageProviders {

    private static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(60);
    /** How long an agent may take to learn a new lease from the marketplace. */
    static final Duration LEASE_LAG = Duration.ofSeconds(30);

    private final StorageConfig.Replication config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public HttpStorageProviders(StorageConfig config) {
        this.config = config.replication();
    }

    /**
     * {@inheritDoc}
     *
     * <p>An agent learns its leases from the marketplace's stream, so right after the bid matched
     * it may not know the lease yet ({@code 404 lease-not-held}): that answer is retried for up
     * to {@link #LEASE_LAG}.
     */
    @Override
    public void put(StorageLease lease, Cid cid, byte[] block) {
        long deadline = System.nanoTime() + LEASE_LAG.toNanos();
        HttpResponse<String> response;
        while (true) {
            response = send(request(lease, "/blocks/" + cid, TRANSFER_TIMEOUT)
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(block)).build(), HttpResponse.BodyHandlers.ofString(), lease);
            if (response.statusCode() != 404 || !response.body().contains("lease-not-held") || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ReplicationException("interrupted while waiting for agent " + lease.endpoint() + " to hold the lease", e);
            }
        }
        if (response.statusCode() / 100 != 2) {
            throw new ReplicationException("agent " + lease.endpoint() + " refused block " + cid + ": "
                    + response.statusCode() + " " + response.body());
        }
    }

    @Override
    public Optional<byte[]> get(StorageLease lease, Cid cid) {
        HttpResponse<byte[]> response = send(request(lease, "/blocks/" + cid, TRANSFER_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray(), lease);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw new ReplicationException("agent " + lease.endpoint() + " answered " + response.statusCode()
                    + " for block " + cid);
        }
        return Optional.of(response.body());
    }

    @Override
    public String challenge(StorageLease lease, Cid cid, byte[] nonce) {
        String body = JsonCodec.write(Map.of("cid", cid.toString(), "nonce", HexFormat.of().formatHex(nonce)));
        HttpResponse<String> response = send(request(lease, "/challenges", config.challengeDeadline())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString(), lease);
        if (response.statusCode() != 200) {
            throw new ReplicationException("agent answered " + response.statusCode() + ": " + response.body());
        }
        Object proof = JsonCodec.read(response.body(), Map.class).get("proof");
        if (!(proof instanceof String text)) {
            throw new ReplicationException("agent's answer has no proof: " + response.body());
        }
        return text;
    }

    @Override
    public void delete(StorageLease lease) {
        HttpResponse<String> response = send(request(lease, "", TRANSFER_TIMEOUT).DELETE().build(),
                HttpResponse.BodyHandlers.ofString(), lease);
        if (response.statusCode() / 100 != 2 && response.statusCode() != 404) {
            throw new ReplicationException("agent " + lease.endpoint() + " answered " + response.statusCode()
                    + " deleting lease " + lease.leaseId());
        }
    }

    private HttpRequest.Builder request(StorageLease lease, String path, Duration timeout) {
        String base = lease.endpoint().endsWith("/") ? lease.endpoint() : lease.endpoint() + "/";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "api/v1/storage/leases/" + lease.leaseId() + path))
                .timeout(timeout);
        config.agentToken().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        return request;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body, StorageLease lease) {
        try {
            return http.send(request, body);
        } catch (HttpTimeoutException e) {
            throw new ReplicationException("agent " + lease.endpoint() + " did not answer within " + request.timeout().orElse(null), e);
        } catch (IOException e) {
            throw new ReplicationException("cannot reach agent " + lease.endpoint() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplicationException("interrupted while talking to agent " + lease.endpoint(), e);
        }
    }
}
