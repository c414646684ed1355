package cloud.agora.marketplace.domain;

import cloud.agora.marketplace.config.MarketConfig;
import cloud.agora.marketplace.messaging.LeaseFeed;
import cloud.agora.marketplace.persistence.MarketStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.market.OfferView;
import cloud.agora.support.outbox.Outbox;
import cloud.agora.support.outbox.OutboxRelay;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * The one owner of the {@link OrderBook}. Every command runs on its single thread: the book
 * decides, then the {@link Outcome} is recorded in one transaction together with its outbox
 * events; only after the commit are agents told (lease feed) and the relay nudged. If
 * recording fails, the book is rebuilt from the database so memory never runs ahead of what
 * was committed. On start the book is rebuilt from the database, so a restart loses nothing.
 *
 * <p>Events: {@code LeaseCreated} and {@code LeaseClosed} on {@code marketplace.leases.v1},
 * {@code OfferPublished} on {@code marketplace.offers.v1}.
 */
@ApplicationScoped
public class MarketDesk {

    private static final Logger LOG = Logger.getLogger(MarketDesk.class);

    private final MarketStore store;
    private final Outbox outbox;
    private final OutboxRelay relay;
    private final LeaseFeed feed;
    private final Clock clock;
    private final MarketConfig config;
    private final ExecutorService owner = Executors.newSingleThreadExecutor(r -> new Thread(r, "market-desk"));
    private OrderBook book;

    public MarketDesk(MarketStore store, Outbox outbox, OutboxRelay relay, LeaseFeed feed, Clock clock, MarketConfig config) {
        this.store = store;
        this.outbox = outbox;
        this.relay = relay;
        this.feed = feed;
        this.clock = clock;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        reload();
    }

    /**
     * Forgets the in-memory book and loads it again from the database, then matches whatever
     * the loaded state allows: exactly what a restart does.
     */
    public void reload() {
        call(() -> {
            rebuild();
            Outcome catchUp = book.matchAfterRestore(now());
            if (!catchUp.isEmpty()) {
                record(catchUp);
            }
            return null;
        });
    }

    void stop(@Observes ShutdownEvent event) {
        owner.shutdown();
    }

    /**
     * Runs a command: {@code decide} reads and changes the book (throwing a domain exception
     * before changing anything if the command is refused); its outcome is then committed.
     *
     * @return the committed outcome
     */
    public Outcome execute(BiFunction<OrderBook, Instant, Outcome> decide) {
        return call(() -> {
            Outcome outcome = decide.apply(book, now());
            if (!outcome.isEmpty()) {
                record(outcome);
            }
            return outcome;
        });
    }

    /** Reads the book on its owner's thread (consistent with every committed command). */
    public <R> R query(BiFunction<OrderBook, Instant, R> read) {
        return call(() -> read.apply(book, now()));
    }

    /** The current time as the market records it (microseconds, as PostgreSQL keeps it). */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private void record(Outcome outcome) throws SQLException {
        Instant now = now();
        try (Connection c = store.begin()) {
            try {
                for (Provider provider : outcome.providers()) {
                    store.upsertProvider(c, provider);
                }
                for (Bid bid : outcome.newBids()) {
                    store.insertBid(c, bid);
                }
                for (Bid bid : outcome.changedBids()) {
                    store.updateBid(c, bid);
                }
                for (Lease lease : outcome.createdLeases()) {
                    store.insertLease(c, lease);
                    outbox.append(c, Topics.MARKETPLACE_LEASES, EventEnvelope.of(MarketEvents.LEASE_CREATED,
                            MarketEvents.SOURCE, now, lease.id().toString(), lease.view(endpoint(lease.provider()))));
                }
                for (Lease lease : outcome.closedLeases()) {
                    store.closeLease(c, lease);
                    outbox.append(c, Topics.MARKETPLACE_LEASES, EventEnvelope.of(MarketEvents.LEASE_CLOSED,
                            MarketEvents.SOURCE, now, lease.id().toString(), lease.view(endpoint(lease.provider()))));
                }
                for (Provider provider : outcome.publishedOffers()) {
                    OfferView offer = book.provider(provider.address(), now).map(OfferViews::of).orElseThrow();
                    outbox.append(c, Topics.MARKETPLACE_OFFERS, EventEnvelope.of(MarketEvents.OFFER_PUBLISHED,
                            MarketEvents.SOURCE, now, provider.address().value(), offer));
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            LOG.errorf(e, "recording a market change failed; rebuilding the book from the database");
            rebuild();
            throw e;
        }
        for (Lease lease : outcome.createdLeases()) {
            feed.publish(MarketEvents.LEASE_CREATED, lease.view(endpoint(lease.provider())));
        }
        for (Lease lease : outcome.closedLeases()) {
            feed.publish(MarketEvents.LEASE_CLOSED, lease.view(endpoint(lease.provider())));
        }
        relay.nudge();
    }

    private String endpoint(Address provider) {
        return book.registered(provider).map(Provider::endpoint).orElse(null);
    }

    private void rebuild() throws SQLException {
        OrderBook fresh = new OrderBook(book == null ? config.heartbeatTimeout() : book.heartbeatTimeout());
        for (Provider provider : store.providers()) {
            fresh.restoreProvider(provider);
        }
        for (Lease lease : store.activeLeases()) {
            fresh.restoreLease(lease);
        }
        for (Map.Entry<Bid, Set<Address>> open : store.openBids().entrySet()) {
            fresh.restoreOpenBid(open.getKey(), open.getValue());
        }
        book = fresh;
        LOG.infof("order book loaded: %d resting bids, %d active leases", book.restingBidCount(), book.activeLeaseCount());
    }

    private <R> R call(Callable<R> task) {
        Future<R> future = owner.submit(task);
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the market desk", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("the market desk failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
