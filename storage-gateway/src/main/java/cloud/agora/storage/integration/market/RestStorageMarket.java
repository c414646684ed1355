package cloud.agora.storage.integration.market;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidStatus;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.IdempotencyKeys;
import cloud.agora.protocol.market.LeaseClose;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.reputation.AuditReport;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.integration.GatewayKey;
import cloud.agora.storage.domain.replica.ReplicationException;
import cloud.agora.storage.domain.replica.StorageLease;
import cloud.agora.storage.domain.replica.StorageMarket;
import io.smallrye.faulttolerance.api.TypedGuard;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import cloud.agora.protocol.auth.SignInSession;
import org.web3j.crypto.ECKeyPair;

/**
 * {@link StorageMarket} over the marketplace's REST API, signed in with the gateway's own key
 * through Sign-In with Ethereum ({@code /api/v1/auth/challenge} → {@code personal_sign} →
 * {@code /api/v1/auth/token}); the token is renewed before it expires and after a 401. Bids name the account that
 * pays ({@code BidSpec.payer}): the marketplace makes it the leases' owner and the gateway their broker, which may
 * read the bid, cancel it and read and close its leases (the marketplace must list the gateway's address in
 * {@code agora.market.gateways.storage}).
 *
 * <p>Waiting is SmallRye Fault Tolerance's, with programmatic guards built with the bean: placing a bid is retried
 * ({@link #placing}) and an open bid is read again until it is matched or the match timeout ends
 * ({@link #matching}); the pauses between attempts are the guards'.
 */
@ApplicationScoped
public class RestStorageMarket implements StorageMarket {

    private final StorageConfig.Replication config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final GatewayKey gatewayKey;
    private URI base;
    private SignInSession session;

    /**
     * Placing a bid: {@value #PLACE_ATTEMPTS} attempts {@value #PAUSE_MILLIS} ms apart, only when the marketplace could
     * not be reached or failed (the same key each time, see {@link #place}).
     */
    private final TypedGuard<String> placing;
    /**
     * Reading a bid until it is no longer open: every {@value #PAUSE_MILLIS} ms for up to
     * {@code agora.storage.replication.match-timeout}; a failed read is not retried.
     */
    private final TypedGuard<BidView> matching;

    public RestStorageMarket(StorageConfig config, GatewayKey gatewayKey) {
        this.config = config.replication();
        this.gatewayKey = gatewayKey;
        this.placing = TypedGuard.create(String.class).withDescription("placing a storage bid").withRetry()
                .maxRetries(PLACE_ATTEMPTS - 1)
                .delay(PAUSE_MILLIS, ChronoUnit.MILLIS)
                .jitter(0, ChronoUnit.MILLIS)
                .retryOn(MarketplaceFailedException.class)
                .done().build();
        this.matching = TypedGuard.create(BidView.class).withDescription("waiting for a storage bid's match").withRetry()
                .maxRetries(-1)
                .delay(PAUSE_MILLIS, ChronoUnit.MILLIS)
                .jitter(0, ChronoUnit.MILLIS)
                // the timeout must outlast one pause for the guard to be valid
                .maxDuration(Math.max(this.config.matchTimeout().toMillis(), PAUSE_MILLIS + 1), ChronoUnit.MILLIS)
                .retryOn(BidStillOpenException.class)
                .done().build();
    }

    @Override
    public List<StorageLease> buy(Address payer, int replicas, long storageGiB) {
        Wei zero = Wei.ZERO;
        BidSpec spec = new BidSpec(BidKind.STORAGE, new Resources(0, 0, storageGiB), replicas,
                new Prices(zero, zero, zero, new Wei(config.maxPricePerGibMonth())), null,
                Math.max(1, config.matchTimeout().toSeconds()), payer);
        BidView bid = JsonCodec.read(place(spec), BidView.class);
        if (bid.status() == BidStatus.OPEN) {
            bid = matched(bid.id());
        }
        List<StorageLease> leases = new ArrayList<>();
        Address wrongOwner = null;
        for (UUID id : bid.leaseIds()) {
            LeaseView lease = JsonCodec.read(send("GET", "api/v1/leases/" + id, null), LeaseView.class);
            leases.add(new StorageLease(lease.id(), lease.provider().toString(), lease.providerEndpoint()));
            if (!payer.equals(lease.owner())) {
                wrongOwner = lease.owner();
            }
        }
        if (wrongOwner != null) {
            // a marketplace that ignored the payer: its periods would be witnessed for an account that does not own it
            for (StorageLease lease : leases) {
                close(lease.leaseId(), "wrong-payer");
            }
            throw new ReplicationException("the marketplace made the storage leases owned by " + wrongOwner
                    + ", not by the account that pays, " + payer + "; they were closed");
        }
        if (leases.size() < replicas) {
            if (bid.status() == BidStatus.OPEN) {
                exchange("DELETE", "api/v1/bids/" + bid.id(), null, token());
            }
            for (StorageLease lease : leases) {
                close(lease.leaseId(), "not-enough-providers");
            }
            throw new ReplicationException("the storage bid for " + replicas + " replicas of " + storageGiB
                    + " GiB got " + leases.size() + " leases (status " + bid.status() + ", unmatched: "
                    + bid.unmatchedReasons() + ")");
        }
        return leases;
    }

    @Override
    public void close(UUID leaseId, String reason) {
        HttpResponse<String> response = exchange("POST", "api/v1/leases/" + leaseId + "/close", new LeaseClose(reason),
                token());
        if (response.statusCode() / 100 != 2 && response.statusCode() != 409) { // 409: already closed
            throw new ReplicationException("closing lease " + leaseId + ": marketplace answered " + response.statusCode()
                    + " " + response.body());
        }
    }

    @Override
    public void reportAudits(List<AuditReport.Audit> audits) {
        send("POST", "api/v1/audits", new AuditReport(audits));
    }

    /**
     * Places a bid under a fresh idempotency key, and when the marketplace cannot be reached or fails (5xx) places it
     * again with the same key and body, up to {@value #PLACE_ATTEMPTS} times: an answer lost after the marketplace
     * placed the bid is then answered with that bid, never a second one. A 401 signs in again, as for any call.
     */
    private String place(BidSpec spec) {
        String key = IdempotencyKeys.generate();
        return placing.get(() -> send("POST", "api/v1/bids", spec, key));
    }

    /** The bid as soon as it is no longer open, or as it is when the match timeout ends. */
    private BidView matched(UUID bidId) {
        try {
            return matching.get(() -> {
                BidView bid = JsonCodec.read(send("GET", "api/v1/bids/" + bidId, null), BidView.class);
                if (bid.status() == BidStatus.OPEN) {
                    throw new BidStillOpenException(bid);
                }
                return bid;
            });
        } catch (BidStillOpenException e) {
            return e.bid;
        }
    }

    /** The bid read is still open: the {@link #matching} guard reads it again. */
    private static final class BidStillOpenException extends RuntimeException {
        final transient BidView bid;

        BidStillOpenException(BidView bid) {
            super("bid " + bid.id() + " is still open", null, false, false);
            this.bid = bid;
        }
    }

    /** The marketplace could not be reached or failed (5xx): the request may or may not have taken effect. */
    private static final class MarketplaceFailedException extends ReplicationException {
        MarketplaceFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final int PLACE_ATTEMPTS = 3;
    private static final int PAUSE_MILLIS = 250;

    private String send(String method, String path, Object body) {
        return send(method, path, body, null);
    }

    private String send(String method, String path, Object body, String idempotencyKey) {
        for (int attempt = 0; attempt < 2; attempt++) {
            HttpResponse<String> response;
            try {
                response = exchange(method, path, body, token(), idempotencyKey);
            } catch (ReplicationException unreachable) {
                throw new MarketplaceFailedException(unreachable.getMessage(), unreachable.getCause());
            }
            if (response.statusCode() == 401 && attempt == 0) {
                synchronized (this) {
                    session.invalidate();
                }
                continue;
            }
            if (response.statusCode() / 100 == 5) {
                throw new MarketplaceFailedException("marketplace answered " + response.statusCode() + " to " + method
                        + " /" + path + ": " + response.body(), null);
            }
            if (response.statusCode() / 100 != 2) {
                throw new ReplicationException("marketplace answered " + response.statusCode() + " to " + method + " /"
                        + path + ": " + response.body());
            }
            return response.body();
        }
        throw new ReplicationException("the marketplace refused the gateway's token");
    }

    private synchronized String token() {
        if (session == null) {
            ECKeyPair k = key();
            session = new SignInSession(base(), PersonalSignature.addressOf(k), k, http);
        }
        try {
            return session.token();
        } catch (SignInSession.SignInRefusedException | java.io.UncheckedIOException e) {
            throw new ReplicationException("cannot sign in to the marketplace: " + e.getMessage(), e);
        }
    }

    private ECKeyPair key() {
        return gatewayKey.key();
    }

    /** The gateway's marketplace address (null before its key is configured). */
    public Address address() {
        return gatewayKey.address().orElse(null);
    }

    private synchronized URI base() {
        if (base == null) {
            String url = config.marketplaceUrl();
            base = URI.create(url.endsWith("/") ? url : url + "/");
        }
        return base;
    }

    private HttpResponse<String> exchange(String method, String path, Object body, String bearer) {
        return exchange(method, path, body, bearer, null);
    }

    private HttpResponse<String> exchange(String method, String path, Object body, String bearer, String idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base().resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JsonCodec.write(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (idempotencyKey != null) {
            request.header(IdempotencyKeys.HEADER, idempotencyKey);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ReplicationException("cannot reach the marketplace at " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplicationException("interrupted while talking to the marketplace", e);
        }
    }
}
