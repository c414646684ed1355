package cloud.agora.storage.integration.market;

import cloud.agora.client.RestClients;
import cloud.agora.client.ServiceSession;
import cloud.agora.protocol.api.MarketplaceBrokerApi;
import cloud.agora.protocol.eth.Address;
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
import cloud.agora.storage.domain.replica.ReplicationException;
import cloud.agora.storage.domain.replica.StorageLease;
import cloud.agora.storage.domain.replica.StorageMarket;
import cloud.agora.storage.integration.GatewayKey;
import io.smallrye.faulttolerance.api.TypedGuard;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@link StorageMarket} over the marketplace's REST API ({@code protocol}'s {@link MarketplaceBrokerApi}, a REST client
 * of {@link RestClients} built for the configured {@code agora.storage.replication.marketplace-url}, an answer within
 * 10 s), signed in with the gateway's own key through Sign-In with Ethereum (a {@link ServiceSession}: the token is
 * renewed 30 s before it expires and after a 401). Bids name the account that
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

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final StorageConfig.Replication config;
    private final GatewayKey gatewayKey;
    private final Clock clock;
    private MarketplaceBrokerApi client;
    private ServiceSession session;
    /**
     * Placing a bid: {@value #PLACE_ATTEMPTS} attempts {@value #PAUSE_MILLIS} ms apart, only when the marketplace could
     * not be reached or failed (the same key each time, see {@link #place}).
     */
    private final TypedGuard<BidView> placing;
    /**
     * Reading a bid until it is no longer open: every {@value #PAUSE_MILLIS} ms for up to
     * {@code agora.storage.replication.match-timeout}; a failed read is not retried.
     */
    private final TypedGuard<BidView> matching;

    public RestStorageMarket(StorageConfig config, GatewayKey gatewayKey, Clock clock) {
        this.config = config.replication();
        this.gatewayKey = gatewayKey;
        this.clock = clock;
        this.placing = TypedGuard.create(BidView.class).withDescription("placing a storage bid").withRetry()
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
        BidView bid = place(spec);
        if (bid.status() == BidStatus.OPEN) {
            bid = matched(bid.id());
        }
        List<StorageLease> leases = new ArrayList<>();
        Address wrongOwner = null;
        for (UUID id : bid.leaseIds()) {
            LeaseView lease = call("GET /api/v1/leases/" + id, (api, auth) -> api.lease(auth, id));
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
                UUID open = bid.id();
                call("DELETE /api/v1/bids/" + open, (api, auth) -> api.cancelBid(auth, open));
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
        try {
            call("POST /api/v1/leases/" + leaseId + "/close",
                    (api, auth) -> api.closeLease(auth, leaseId, new LeaseClose(reason)));
        } catch (MarketplaceRefusedException e) {
            if (e.status != 409) { // 409: already closed
                throw e;
            }
        }
    }

    @Override
    public void reportAudits(List<AuditReport.Audit> audits) {
        AuditReport report = new AuditReport(audits);
        call("POST /api/v1/audits", (api, auth) -> api.reportAudits(auth, report));
    }

    /**
     * Places a bid under a fresh idempotency key, and when the marketplace cannot be reached or fails (5xx) places it
     * again with the same key and body, up to {@value #PLACE_ATTEMPTS} times: an answer lost after the marketplace
     * placed the bid is then answered with that bid, never a second one. A 401 signs in again, as for any call.
     */
    private BidView place(BidSpec spec) {
        String key = IdempotencyKeys.generate();
        return placing.get(() -> call("POST /api/v1/bids", (api, auth) -> api.placeBid(auth, key, spec)));
    }

    /** The bid as soon as it is no longer open, or as it is when the match timeout ends. */
    private BidView matched(UUID bidId) {
        try {
            return matching.get(() -> {
                BidView bid = call("GET /api/v1/bids/" + bidId, (api, auth) -> api.bid(auth, bidId));
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

    /** The marketplace refused the request (4xx): it took no effect. */
    private static final class MarketplaceRefusedException extends ReplicationException {
        final int status;

        MarketplaceRefusedException(int status, String message, Throwable cause) {
            super(message, cause);
            this.status = status;
        }
    }

    private static final int PLACE_ATTEMPTS = 3;
    private static final int PAUSE_MILLIS = 250;
    /** The most of a refusal's body kept in a message. */
    private static final int EXCERPT = 300;

    /** One call of the marketplace's API with the gateway's bearer token. */
    @FunctionalInterface
    private interface Call<T> {
        T on(MarketplaceBrokerApi api, String authorization);
    }

    /**
     * Makes {@code call} signed in; a 401 signs in again and makes it once more (a token the marketplace forgot, e.g.
     * after its restart).
     *
     * @param what the request, for messages
     * @throws MarketplaceFailedException  when the marketplace cannot be reached or answers 5xx (the sign-in too, so
     *                                     placing a bid tries it again)
     * @throws MarketplaceRefusedException when it answers any other status of 400 or more
     */
    private <T> T call(String what, Call<T> call) {
        try {
            return session().call(authorization -> call.on(client(), authorization));
        } catch (ServiceSession.SignInRefusedException e) {
            throw new MarketplaceRefusedException(e.status(), "cannot sign in to the marketplace: " + e.getMessage(), e);
        } catch (WebApplicationException e) {
            int status = RestClients.status(e);
            String message = "marketplace answered " + status + " to " + what + ": " + RestClients.body(e, EXCERPT);
            if (status / 100 == 5) {
                throw new MarketplaceFailedException(message, e);
            }
            throw new MarketplaceRefusedException(status, message, e);
        } catch (ProcessingException e) {
            throw new MarketplaceFailedException("cannot reach the marketplace at " + config.marketplaceUrl() + " ("
                    + what + "): " + e.getMessage(), e);
        }
    }

    /** The gateway's marketplace address (null before its key is configured). */
    public Address address() {
        return gatewayKey.address().orElse(null);
    }

    /** The gateway's session at the configured marketplace, begun on first use. */
    private synchronized ServiceSession session() {
        if (session == null) {
            session = new ServiceSession(config.marketplaceUrl(), gatewayKey.key(), clock);
        }
        return session;
    }

    /** The REST client of the configured marketplace, built on first use. */
    private synchronized MarketplaceBrokerApi client() {
        if (client == null) {
            client = RestClients.of(MarketplaceBrokerApi.class, config.marketplaceUrl(), READ_TIMEOUT);
        }
        return client;
    }

    @PreDestroy
    synchronized void closeClient() {
        if (client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // nothing to do: the service is stopping
            }
        }
    }
}
